package org.lowrank.train.exec;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;
import org.lowrank.LowrankException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where DJL's PyTorch engine runs: the one place that turns the user's {@code --device} ({@code
 * auto}, {@code cpu}, {@code cuda} or {@code cuda:N}) into a DJL {@link Device}. Every native
 * manager in lowrank-train (executors, the similarity DSE, the data-free search, fine-tuning and
 * evaluation) is created on {@link #resolve()} of the choice it was given, or of {@link
 * #configured()} when none was.
 *
 * <p>{@code auto} is the first GPU when the engine sees one, else the CPU (logged once). {@code
 * cuda} and {@code cuda:N} need a GPU the engine sees: the default build ships PyTorch's CPU
 * natives, so they fail with a {@link LowrankException.Kind#RESOURCE} error naming the option and
 * the Maven profile ({@code -Pcuda}) that brings the CUDA natives.
 *
 * <p>Several devices: a comma-separated list ({@code cuda:0,cuda:1}, read by {@link
 * #parseReplicas}) asks fine-tuning for data parallelism, one replica of the parameters per listed
 * device ({@link DataParallel}); every other stage runs on the first device of the list. The CPU
 * may be listed more than once ({@code cpu,cpu}: replicas on the same device, to check data
 * parallelism without GPUs); a GPU at most once.
 *
 * @param kind what was asked for
 * @param index the GPU index for {@code cuda:N}; 0 for {@code cuda}; -1 for {@code auto} and {@code
 *     cpu}
 */
public record DeviceChoice(Choice kind, int index) {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceChoice.class);

  /**
   * The system property the command line sets from {@code --device}; read by {@link #configured}.
   */
  public static final String PROPERTY = "lowrank.device";

  /** How to get CUDA natives; part of every "no GPU" message. */
  static final String CUDA_PROFILE_HINT =
      "the default build ships PyTorch's CPU natives only: build with the Maven profile -Pcuda "
          + "(PyTorch CUDA natives from Maven Central) on a machine with an NVIDIA driver, or use "
          + "--device cpu or --device auto";

  /** What the user asked for. */
  public enum Choice {
    /** The first GPU the engine sees, else the CPU. */
    AUTO,
    /** The CPU. */
    CPU,
    /** A CUDA GPU; its index is {@link DeviceChoice#index()}. */
    CUDA
  }

  /** {@code auto}: the first GPU if the engine has one, else the CPU. */
  public static final DeviceChoice AUTO = new DeviceChoice(Choice.AUTO, -1);

  /** {@code cpu}. */
  public static final DeviceChoice CPU = new DeviceChoice(Choice.CPU, -1);

  private static volatile boolean autoLogged;

  public DeviceChoice {
    if (kind == null) {
      throw new IllegalArgumentException("device kind is null");
    }
    if (kind == Choice.CUDA ? index < 0 : index != -1) {
      throw new IllegalArgumentException(
          "device " + kind + " with index " + index + ": only cuda takes an index >= 0");
    }
  }

  /** {@code cuda:N}. */
  public static DeviceChoice cuda(int index) {
    return new DeviceChoice(Choice.CUDA, index);
  }

  /**
   * Parses {@code auto}, {@code cpu}, {@code cuda}, {@code cuda:N} or {@code gpu} / {@code gpu:N}
   * (case-insensitive); anything else is an {@link IllegalArgumentException} naming {@code
   * --device} and the accepted forms.
   */
  public static DeviceChoice parse(String spec) {
    String s = spec == null ? "" : spec.strip().toLowerCase(Locale.ROOT);
    switch (s) {
      case "auto":
        return AUTO;
      case "cpu":
        return CPU;
      case "cuda", "gpu":
        return cuda(0);
      default:
        break;
    }
    int colon = s.indexOf(':');
    if (colon > 0 && (s.startsWith("cuda:") || s.startsWith("gpu:"))) {
      String n = s.substring(colon + 1);
      if (n.matches("[0-9]{1,4}")) {
        return cuda(Integer.parseInt(n));
      }
    }
    throw new IllegalArgumentException(
        "--device: expected auto, cpu, cuda or cuda:N (N = GPU index from 0), found '"
            + spec
            + "'");
  }

  /**
   * Parses a comma-separated device list for data-parallel fine-tuning ({@code cuda:0,cuda:1},
   * {@code cpu,cpu}); a single device gives a list of one. {@code auto} only stands alone, and a
   * GPU is listed at most once.
   *
   * @throws IllegalArgumentException naming {@code --device}, the offending entry and the fix
   */
  public static List<DeviceChoice> parseReplicas(String spec) {
    String s = spec == null ? "" : spec.strip();
    if (!s.contains(",")) {
      return List.of(parse(s));
    }
    List<DeviceChoice> list = new ArrayList<>();
    for (String part : s.split(",", -1)) {
      if (part.isBlank()) {
        throw new IllegalArgumentException(
            "--device: empty entry in the device list '"
                + spec
                + "'; write devices separated by single commas, e.g. cuda:0,cuda:1");
      }
      DeviceChoice d = parse(part);
      if (d.kind() == Choice.AUTO) {
        throw new IllegalArgumentException(
            "--device: auto cannot be part of a device list ('"
                + spec
                + "'); name each device, e.g. cuda:0,cuda:1");
      }
      if (d.kind() == Choice.CUDA && list.contains(d)) {
        throw new IllegalArgumentException(
            "--device: "
                + d
                + " is listed twice in '"
                + spec
                + "'; data-parallel fine-tuning keeps one replica per GPU, so list each GPU once");
      }
      list.add(d);
    }
    return List.copyOf(list);
  }

  /**
   * The choice set by the command line ({@link #PROPERTY}), else {@link #AUTO}; with a device list
   * its first device. Library callers that want a fixed device pass one explicitly instead (e.g.
   * {@link GraphExecutor.Builder#optDevice}).
   */
  public static DeviceChoice configured() {
    return configuredReplicas().get(0);
  }

  /**
   * The device list set by the command line ({@link #PROPERTY}), else {@code [auto]}: the devices
   * that data-parallel fine-tuning puts one replica on.
   */
  public static List<DeviceChoice> configuredReplicas() {
    String p = System.getProperty(PROPERTY);
    return p == null || p.isBlank() ? List.of(AUTO) : parseReplicas(p);
  }

  /** Makes {@code devices} the process default that {@link #configuredReplicas()} returns. */
  public static void setDefault(List<DeviceChoice> devices) {
    if (devices.isEmpty()) {
      throw new IllegalArgumentException("empty device list");
    }
    System.setProperty(
        PROPERTY, String.join(",", devices.stream().map(DeviceChoice::toString).toList()));
  }

  /**
   * Makes {@code choice} the process default that {@link #configured()} returns (what {@code
   * --device} does): the Java API equivalent for code that builds executors, selectors or the
   * pipeline without passing a device to each.
   */
  public static void setDefault(DeviceChoice choice) {
    System.setProperty(PROPERTY, choice.toString());
  }

  /** The device of {@link #configured()}, resolved against the engine. */
  public static Device configuredDevice() {
    return configured().resolve();
  }

  /**
   * This choice resolved against DJL's PyTorch engine (loads the engine; its GPU count is read once
   * per process, as every executor resolves its device).
   */
  public Device resolve() {
    return resolve(DeviceChoice::engineGpuCount);
  }

  private static volatile int engineGpus = -1;

  private static int engineGpuCount() {
    int n = engineGpus;
    if (n < 0) {
      n = Engine.getEngine("PyTorch").getGpuCount();
      engineGpus = n;
    }
    return n;
  }

  /**
   * This choice resolved against an engine that sees {@code gpuCount} GPUs.
   *
   * @throws LowrankException of kind {@link LowrankException.Kind#RESOURCE} when a GPU is asked for
   *     that the engine does not see
   */
  public Device resolve(IntSupplier gpuCount) {
    switch (kind) {
      case CPU:
        return Device.cpu();
      case AUTO:
        {
          int n = gpuCount.getAsInt();
          Device d = n > 0 ? Device.gpu(0) : Device.cpu();
          if (!autoLogged) {
            autoLogged = true;
            LOG.info(
                "--device auto: {} ({} GPU{} seen by the PyTorch engine)",
                d.isGpu() ? "cuda:0" : "cpu",
                n,
                n == 1 ? "" : "s");
          }
          return d;
        }
      default:
        {
          int n = gpuCount.getAsInt();
          if (index >= n) {
            throw new LowrankException(
                LowrankException.Kind.RESOURCE,
                "--device "
                    + this
                    + ": the PyTorch engine sees "
                    + (n == 0
                        ? "no GPU"
                        : n + " GPU" + (n == 1 ? "" : "s") + " (cuda:0..cuda:" + (n - 1) + ")")
                    + (n == 0 ? "; " + CUDA_PROFILE_HINT : "; pick one of those or --device auto"));
          }
          return Device.gpu(index);
        }
    }
  }

  /** The form {@link #parse} reads: auto, cpu or cuda:N. */
  @Override
  public String toString() {
    return kind == Choice.CUDA ? "cuda:" + index : kind.name().toLowerCase(Locale.ROOT);
  }
}
