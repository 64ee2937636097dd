package org.lowrank.cli;

import java.util.List;
import org.lowrank.train.exec.DeviceChoice;
import org.lowrank.train.exec.MemoryBudget;
import picocli.CommandLine.Option;

/**
 * Options every command shares: threads, device, seed, verbosity. Thread counts are applied as
 * system properties before any native library starts (OpenBLAS, PyTorch and ONNX Runtime read them
 * once).
 */
public final class CommonOptions {
  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "1",
      description = {
        "Threads for ONNX Runtime, PyTorch and BLAS (default: ${DEFAULT-VALUE}; more",
        "threads help only on an idle machine: on busy shared cores they run slower)."
      })
  int threads;

  @Option(
      names = "--seed",
      paramLabel = "S",
      description = "Seed of every random step (default: ${DEFAULT-VALUE}).")
  long seed = 42;

  @Option(
      names = "--device",
      paramLabel = "D",
      defaultValue = "auto",
      description = {
        "Where PyTorch runs fine-tuning, evaluation, the similarity selector and the",
        "data-free search: auto (the first GPU if any, else the CPU), cpu, cuda or cuda:N",
        "(default: ${DEFAULT-VALUE}; GPUs need a build with -Pcuda). A list (cuda:0,cuda:1)",
        "fine-tunes data-parallel, one replica per device; other stages use the first."
      })
  String device;

  @Option(
      names = "--memory-budget",
      paramLabel = "SIZE",
      defaultValue = "auto",
      description = {
        "Most native memory a chunked pass over images may hold (calibration caches, input",
        "moments, refit), e.g. 512m or 4g; auto = half the physical memory minus the Java heap."
      })
  String memoryBudget;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress bars.")
  boolean quiet;

  @Option(
      names = {"-v", "--verbose"},
      description = "Log more (-v info, -vv debug) on stderr.")
  boolean[] verbose = new boolean[0];

  /** Applies threads and log level; call first thing in a command. */
  void apply() {
    if (threads < 1) {
      throw new IllegalArgumentException("--threads must be >= 1, found " + threads);
    }
    int cores = Runtime.getRuntime().availableProcessors();
    if (threads > cores) {
      System.err.println(
          "lowrank: warning: --threads "
              + threads
              + " is more than the "
              + cores
              + " cores available; oversubscribed threads run slower and make latency and speed-up "
              + "figures misleading (use --threads "
              + cores
              + " or fewer)");
    }
    List<DeviceChoice> devices = DeviceChoice.parseReplicas(device);
    MemoryBudget.setDefault(MemoryBudget.parse(memoryBudget));
    System.setProperty("lowrank.blas.threads", Integer.toString(threads));
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    System.setProperty("ai.djl.offline", "true");
    String level = verbose.length >= 2 ? "debug" : verbose.length == 1 ? "info" : "warn";
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    System.setProperty("org.slf4j.simpleLogger.log.ai.djl", "error");
    for (DeviceChoice d : devices) {
      if (d.kind() == DeviceChoice.Choice.CUDA) {
        d.resolve(); // fails now, naming --device, rather than after minutes of work
      }
    }
    DeviceChoice.setDefault(devices);
  }

  ProgressBar progress() {
    return ProgressBar.stderr(quiet);
  }
}
