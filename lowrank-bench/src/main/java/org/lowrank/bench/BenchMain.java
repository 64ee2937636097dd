package org.lowrank.bench;

import java.util.Arrays;

/** {@code ./bench <benchmark> [options]}: dispatches to one benchmark. */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      usage();
      System.exit(args.length == 0 ? 2 : 0);
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "decompositions" -> System.exit(DecompositionBenchmark.run(rest, System.out, System.err));
      case "trust" -> System.exit(TrustBench.run(rest, System.out, System.err));
      case "render" -> System.exit(new picocli.CommandLine(new ResultsPage.Render()).execute(rest));
      case "import" -> System.exit(new picocli.CommandLine(new ResultsPage.Import()).execute(rest));
      case "real" -> System.exit(new picocli.CommandLine(new RealBench()).execute(rest));
      case "results" -> System.exit(org.lowrank.bench.results.ResultsBench.run(rest, System.out, System.err));
      default -> {
        System.err.println("bench: unknown benchmark '" + args[0] + "'");
        usage();
        System.exit(2);
      }
    }
  }

  private static void usage() {
    System.err.println(
        """
        usage: ./bench <benchmark> [options]
          decompositions   time SVD, QR, CP-ALS, Tucker-2, TT and TT-matrix on conv/dense weights
                           (./bench decompositions --help for its options)
          trust            default compress runs judged on the test split -> results/trust.jsonl and
                           the trust section of RESULTS.md (--only ID, --limit N, --render-only)
          real             inspect, compress and bench on the models of scripts/install-models.sh ->
                           results/real.jsonl and the real section of RESULTS.md (./bench real --help)
        """);
  }
}
