package org.lowrank.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.lowrank.bench.results.ResultsBench;
import org.lowrank.bench.timing.DseTiming;
import org.lowrank.bench.timing.ResNetLatencyBench;
import org.lowrank.bench.timing.SearchTiming;
import org.lowrank.bench.timing.TrainThroughputBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./bench <benchmark> [options]}: one picocli command per benchmark. The result runners
 * ({@code real}, {@code render}, {@code import}) are picocli commands; the older benchmarks parse
 * their own options and get the rest of the command line as it was typed.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks and results (results/*.jsonl -> RESULTS.md).",
    subcommands = {
      RealBench.class,
      AccuracyBench.class,
      ResultsPage.Render.class,
      ResultsPage.Import.class,
      CommandLine.HelpCommand.class
    })
public final class BenchMain implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Without a benchmark: the usage on stderr, exit code 2. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line with every benchmark as a subcommand. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new BenchMain());
    legacy(
        cl,
        "decompositions",
        "Time SVD, QR, CP-ALS, Tucker-2, TT and TT-matrix on conv/dense weights.",
        DecompositionBenchmark::run);
    legacy(
        cl,
        "trust",
        "Default compress runs judged on the test split -> results/trust.jsonl and its "
            + "RESULTS.md block (--only ID, --limit N, --render-only).",
        TrustBench::run);
    legacy(
        cl,
        "results",
        "The experiments of issue 7 (./bench results --help) -> results/experiments.jsonl "
            + "and RESULTS.md.",
        (args, out, err) -> {
          int code = ResultsBench.run(args, out, err);
          boolean help = List.of(args).contains("--help") || List.of(args).contains("-h");
          return code == 0 && !help ? ResultsPage.renderDefault(out) : code;
        });
    legacy(
        cl,
        "dse-timing",
        "Time the design-space exploration search on ResNet-20.",
        mainOf(DseTiming::main));
    legacy(
        cl,
        "search-timing",
        "Time the data-free TT/CP rank searches on ResNet-20/56.",
        mainOf(SearchTiming::main));
    legacy(
        cl,
        "train-throughput",
        "Fine-tuning and inference images/s of the executor.",
        mainOf(TrainThroughputBench::main));
    legacy(
        cl,
        "resnet-latency",
        "ONNX Runtime latency of a ResNet before and after factorization.",
        mainOf(ResNetLatencyBench::main));
    return cl;
  }

  /** A benchmark that parses its own arguments. */
  @FunctionalInterface
  interface Benchmark {
    int run(String[] args, PrintStream out, PrintStream err) throws Exception;
  }

  /** A {@code main(String[])} as a benchmark that exits 0 when it returns. */
  interface VoidMain {
    void main(String[] args) throws Exception;
  }

  static Benchmark mainOf(VoidMain m) {
    return (args, out, err) -> {
      m.main(args);
      return 0;
    };
  }

  private static void legacy(CommandLine cl, String name, String description, Benchmark b) {
    CommandLine sub = new CommandLine(new Passthrough(b));
    sub.getCommandSpec().usageMessage().description(description);
    sub.setUnmatchedArgumentsAllowed(true);
    sub.setUnmatchedOptionsArePositionalParams(true);
    cl.addSubcommand(name, sub);
  }

  /** Hands every argument, options included, to a benchmark that parses its own. */
  @Command
  static final class Passthrough implements Callable<Integer> {
    private final Benchmark benchmark;

    @CommandLine.Unmatched List<String> args = new ArrayList<>();

    Passthrough(Benchmark benchmark) {
      this.benchmark = benchmark;
    }

    @Override
    public Integer call() throws Exception {
      return benchmark.run(args.toArray(String[]::new), System.out, System.err);
    }
  }
}
