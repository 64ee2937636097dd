package org.lowrank.bench;

import java.util.concurrent.Callable;
import org.lowrank.bench.results.ResultsCommand;
import org.lowrank.bench.timing.DseTiming;
import org.lowrank.bench.timing.ResNetLatencyBench;
import org.lowrank.bench.timing.SearchTiming;
import org.lowrank.bench.timing.TrainThroughputBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./bench <benchmark> [options]}: one picocli command per benchmark. Adding a benchmark is
 * one line: its {@code @Command} class in {@code subcommands} below (a results file also gets one
 * line in {@link ResultsPage#BLOCKS}).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks and results (results/*.jsonl -> RESULTS.md).",
    subcommands = {
      TrustBench.class,
      RealBench.class,
      ResultsCommand.class,
      DecompositionBenchmark.class,
      DseTiming.class,
      SearchTiming.class,
      TrainThroughputBench.class,
      ResNetLatencyBench.class,
      CpPeersBench.class,
      InceptionV3Onnx.class,
      BigModelBench.class,
      SpeedBench.class,
      PruneBench.class,
      AccuracyBench.class,
      GpuBench.class,
      ResultsPage.Render.class,
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
    return new CommandLine(new BenchMain());
  }
}
