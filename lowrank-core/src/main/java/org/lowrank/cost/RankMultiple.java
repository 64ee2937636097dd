package org.lowrank.cost;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The multiple that ranks are rounded up to, and where it came from. ONNX Runtime's CPU
 * convolutions run in its blocked NCHWc layout only when channel counts are multiples of its block
 * (16 with AVX-512F, 8 with AVX2 or less; see ORT's {@code nchwc_transformer.cc}); elsewhere the
 * conv stays in NCHW with reorders around it and a factorized layer can be slower than the dense
 * one. So every channel count the rewrite creates (CP rank = depthwise channels, Tucker-2 and TT
 * ranks, SVD ranks) is a multiple of this block when the layer allows it.
 *
 * <p>Spelled on the command line as {@code auto} (this machine's block, from {@code
 * /proc/cpuinfo}), {@code avx2} or {@code avx512} (plan for that CPU), or a number K (1 = no
 * rounding).
 *
 * @param multiple the block, >= 1
 * @param source how it was chosen: "detected (avx512f)", "target avx2", "given", ...
 */
public record RankMultiple(int multiple, String source) {
  /** ORT's NCHWc block with AVX-512F. */
  public static final int AVX512_BLOCK = 16;

  /** ORT's NCHWc block with AVX2 (and the fallback when the CPU cannot be read). */
  public static final int AVX2_BLOCK = 8;

  /** The command-line spelling of the default. */
  public static final String AUTO = "auto";

  private static final Path CPUINFO = Path.of("/proc/cpuinfo");

  public RankMultiple {
    if (multiple < 1) {
      throw new IllegalArgumentException("rank multiple must be >= 1, found " + multiple);
    }
  }

  /** A multiple given as a number. */
  public static RankMultiple given(int multiple) {
    return new RankMultiple(multiple, "given");
  }

  /**
   * Parses {@code auto}, {@code avx2}, {@code avx512} or a positive integer; an error names the
   * option, what was found and the accepted spellings.
   */
  public static RankMultiple parse(String spec) {
    String s = spec == null ? AUTO : spec.trim().toLowerCase(Locale.ROOT);
    switch (s) {
      case AUTO:
        return detect();
      case "avx2":
        return new RankMultiple(AVX2_BLOCK, "target avx2");
      case "avx512":
      case "avx512f":
        return new RankMultiple(AVX512_BLOCK, "target avx512");
      default:
        try {
          int k = Integer.parseInt(s);
          if (k >= 1) {
            return given(k);
          }
        } catch (NumberFormatException e) {
          // fall through to the message below
        }
        throw new IllegalArgumentException(
            "--rank-multiple takes auto, avx2, avx512 or a positive "
                + "integer such as 8, found '"
                + spec
                + "'");
    }
  }

  /**
   * The environment variable that names the CPU {@code auto} plans for ({@code avx2} or {@code
   * avx512}) instead of this machine's: for planning on one machine and deploying on another, and
   * for tests that must plan alike on every machine.
   */
  public static final String TARGET_CPU_ENV = "LOWRANK_TARGET_CPU";

  /**
   * This machine's block, read from {@code /proc/cpuinfo} (8 when it cannot be read), unless {@link
   * #TARGET_CPU_ENV} names a CPU.
   */
  public static RankMultiple detect() {
    return detect(System.getenv(TARGET_CPU_ENV));
  }

  /**
   * {@link #detect()} with {@code target} as the value of {@link #TARGET_CPU_ENV} (null: unset).
   */
  static RankMultiple detect(String target) {
    if (target != null && !target.isBlank()) {
      String t = target.trim().toLowerCase(Locale.ROOT);
      if (!t.startsWith("avx")) {
        throw new IllegalArgumentException(
            TARGET_CPU_ENV + " takes avx2 or avx512, found '" + target + "'");
      }
      RankMultiple r = parse(t);
      return new RankMultiple(r.multiple(), r.source() + " (" + TARGET_CPU_ENV + ")");
    }
    try {
      return fromCpuinfo(Files.readString(CPUINFO));
    } catch (IOException | RuntimeException e) {
      return new RankMultiple(AVX2_BLOCK, "fallback (cpu flags unreadable)");
    }
  }

  /**
   * The block for the CPU described by {@code cpuinfo} (Linux {@code /proc/cpuinfo} text): 16 when
   * the first {@code flags} line lists {@code avx512f}, else 8 (AVX2, or a CPU without it: ORT's
   * smallest NCHWc block).
   */
  public static RankMultiple fromCpuinfo(String cpuinfo) {
    for (String line : cpuinfo.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0 || !line.substring(0, colon).trim().equals("flags")) {
        continue;
      }
      Set<String> flags =
          Arrays.stream(line.substring(colon + 1).trim().split("\\s+")).collect(Collectors.toSet());
      if (flags.contains("avx512f")) {
        return new RankMultiple(AVX512_BLOCK, "detected (avx512f)");
      }
      return new RankMultiple(
          AVX2_BLOCK, flags.contains("avx2") ? "detected (avx2)" : "detected (no avx2)");
    }
    return new RankMultiple(AVX2_BLOCK, "fallback (no cpu flags)");
  }

  /** True when {@code rank} is a multiple of the block. */
  public boolean aligned(int rank) {
    return rank % multiple == 0;
  }

  /** E.g. "16 (detected (avx512f))". */
  @Override
  public String toString() {
    return multiple + " (" + source + ")";
  }
}
