package org.lowrank.runtime;

/**
 * How an ONNX Runtime session runs: explicit thread counts (never "all cores" by default) and the
 * graph optimization level. Spinning of idle pool threads is always disabled so that latencies of
 * two sessions on a shared machine stay comparable.
 *
 * @param intraOpThreads threads inside one operator (>= 1)
 * @param interOpThreads threads across independent operators (>= 1)
 * @param optimization ONNX Runtime graph optimization level
 */
public record RuntimeOptions(int intraOpThreads, int interOpThreads, Optimization optimization) {

  /** ONNX Runtime graph optimization levels. */
  public enum Optimization {
    NONE,
    BASIC,
    EXTENDED,
    ALL
  }

  public RuntimeOptions {
    if (intraOpThreads < 1 || interOpThreads < 1) {
      throw new IllegalArgumentException(
          "thread counts must be >= 1, got intra-op "
              + intraOpThreads
              + " and inter-op "
              + interOpThreads
              + "; pass the number of cores to use explicitly");
    }
    if (optimization == null) {
      optimization = Optimization.ALL;
    }
  }

  /** One intra-op and one inter-op thread, all optimizations: the setting for tests and CI. */
  public static RuntimeOptions singleThreaded() {
    return new RuntimeOptions(1, 1, Optimization.ALL);
  }

  /** {@code threads} intra-op threads, one inter-op thread, all optimizations. */
  public static RuntimeOptions withThreads(int threads) {
    return new RuntimeOptions(threads, 1, Optimization.ALL);
  }

  public RuntimeOptions withOptimization(Optimization level) {
    return new RuntimeOptions(intraOpThreads, interOpThreads, level);
  }
}
