package org.lowrank.train.exec;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lowrank.LowrankException;

/**
 * How many bytes of activations a chunked pass over calibration or training images may hold at once
 * ({@code --memory-budget}): the similarity selector's calibration pass and layer-input cache, the
 * input-moment accumulation and the output-reconstruction refit cut their images into chunks of
 * {@link #items} images so that one chunk's feature maps stay within it. The feature maps live in
 * native memory (PyTorch tensors, OpenBLAS buffers) that -Xmx does not limit.
 *
 * <p>Default ({@link #machineDefault()}): half of the machine's physical memory minus the Java heap
 * limit, at least {@link #MIN_DEFAULT_BYTES}.
 *
 * @param bytes the budget in bytes, positive
 */
public record MemoryBudget(long bytes) {
  /** The system property the command line sets from {@code --memory-budget}. */
  public static final String PROPERTY = "lowrank.memory.budget";

  /** The floor of the machine default: 256 MiB. */
  static final long MIN_DEFAULT_BYTES = 256L << 20;

  private static final Pattern SIZE =
      Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([kmgt]?)(?:i?b)?", Pattern.CASE_INSENSITIVE);

  public MemoryBudget {
    if (bytes < 1) {
      throw new IllegalArgumentException(
          "--memory-budget must be positive, e.g. 512m or 4g, found " + bytes + " bytes");
    }
  }

  /**
   * Parses a size: bytes, or a number with a binary unit k, m, g or t (optionally followed by b or
   * ib, any case), e.g. {@code 512m}, {@code 1.5G}, {@code 2GiB}; {@code auto} is {@link
   * #machineDefault()}.
   */
  public static MemoryBudget parse(String spec) {
    String s = spec == null ? "" : spec.strip();
    if (s.equalsIgnoreCase("auto")) {
      return machineDefault();
    }
    Matcher m = SIZE.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "--memory-budget: expected a size such as 512m, 2g or 1.5GiB (or auto), found '"
              + spec
              + "'");
    }
    int shift =
        switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    return new MemoryBudget((long) (Double.parseDouble(m.group(1)) * (1L << shift)));
  }

  /** Half of the physical memory minus the Java heap limit, at least {@link #MIN_DEFAULT_BYTES}. */
  public static MemoryBudget machineDefault() {
    return new MemoryBudget(defaultBytes(physicalMemoryBytes(), Runtime.getRuntime().maxMemory()));
  }

  /**
   * The default for a machine with {@code physical} bytes of memory and a heap limit of {@code
   * heap}.
   */
  static long defaultBytes(long physical, long heap) {
    return Math.max(MIN_DEFAULT_BYTES, physical / 2 - heap);
  }

  /** The budget set by the command line ({@link #PROPERTY}), else {@link #machineDefault()}. */
  public static MemoryBudget configured() {
    String p = System.getProperty(PROPERTY);
    return p == null || p.isBlank() ? machineDefault() : parse(p);
  }

  /**
   * Makes {@code budget} the process default that {@link #configured()} returns (what {@code
   * --memory-budget} does).
   */
  public static void setDefault(MemoryBudget budget) {
    System.setProperty(PROPERTY, Long.toString(budget.bytes()));
  }

  /** The machine's physical memory (the container's limit where there is one), or 8 GiB unknown. */
  static long physicalMemoryBytes() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      long total = sun.getTotalMemorySize();
      if (total > 0) {
        return total;
      }
    }
    return 8L << 30;
  }

  /**
   * How many items of {@code bytesPerItem} bytes fit: {@code max(1, min(max, bytes /
   * bytesPerItem))}. One item always fits: a single image larger than the budget is processed alone
   * (the budget bounds chunking; it cannot make one image smaller).
   */
  public int items(long bytesPerItem, int max) {
    long n = bytes / Math.max(1, bytesPerItem);
    return (int) Math.max(1, Math.min(max, n));
  }

  /**
   * Fails with a {@link LowrankException.Kind#RESOURCE} error when {@code needed} bytes, held at
   * once by {@code what}, exceed this budget; {@code fix} says what else the user can change.
   */
  public void require(long needed, String what, String fix) {
    if (needed > bytes) {
      throw new LowrankException(
          LowrankException.Kind.RESOURCE,
          what
              + " needs "
              + format(needed)
              + " at once, over --memory-budget "
              + format(bytes)
              + ": raise --memory-budget (the machine default is half the physical memory minus the"
              + " Java heap)"
              + (fix == null || fix.isEmpty() ? "" : " or " + fix));
    }
  }

  /** "1.5 GiB", "512 MiB", "900 KiB", "12 B". */
  public static String format(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (Math.abs(v) >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0
        ? bytes + " B"
        : String.format(Locale.ROOT, v == Math.rint(v) ? "%.0f %s" : "%.1f %s", v, units[u]);
  }

  @Override
  public String toString() {
    return format(bytes);
  }
}
