package org.lowrank.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank.analysis.InputShapes;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.analysis.ProfileOptions;
import org.lowrank.graph.Model;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.pipeline.FiniteWeights;
import org.lowrank.runtime.LatencyBenchmark;
import org.lowrank.runtime.LatencyComparison;
import org.lowrank.runtime.LatencyResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lowrank bench MODEL [OTHER]}: ONNX Runtime latency, two models side by side. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "ONNX Runtime latency (median of timed runs after warm-up) at several batch",
      "sizes; with a second model, both are timed alternately and the speedup is reported.",
      "A model with a fixed batch is timed at that batch only."
    })
public final class BenchCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL.onnx")
  Path model;

  @Parameters(index = "1", arity = "0..1", paramLabel = "OTHER.onnx")
  Path other;

  @Option(
      names = "--latency-batches",
      paramLabel = "B",
      split = ",",
      defaultValue = "1,32",
      description = "Batch sizes (default: ${DEFAULT-VALUE}).")
  int[] batches;

  @Option(
      names = "--latency-runs",
      paramLabel = "N",
      defaultValue = "50",
      description =
          "Timed runs at most; fewer once the median has settled, see --latency-tolerance "
              + "(default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--latency-tolerance",
      paramLabel = "F",
      defaultValue = "0.02",
      description = {
        "Stop timing once the last running medians (every 5 runs, 4 compared) lie within",
        "this fraction of each other, after at least 20 runs; 0 = always --latency-runs "
            + "(default: ${DEFAULT-VALUE})."
      })
  double tolerance;

  @Option(
      names = "--latency-max-seconds",
      paramLabel = "S",
      description = "Cap on the total timing time, shared among the batch sizes (default: none).")
  Double maxSeconds;

  @Option(
      names = "--latency-warmup",
      paramLabel = "N",
      defaultValue = "10",
      description = "Warm-up runs (default: ${DEFAULT-VALUE}).")
  int warmup;

  /** The names before the option vocabulary was shared with compress (kept, hidden; they win). */
  @Option(names = "--batches", hidden = true, paramLabel = "B", split = ",")
  int[] legacyBatches;

  @Option(names = "--runs", hidden = true, paramLabel = "N")
  Integer legacyRuns;

  @Option(names = "--warmup", hidden = true, paramLabel = "N")
  Integer legacyWarmup;

  int[] batches() {
    return legacyBatches != null ? legacyBatches : batches;
  }

  int runs() {
    return legacyRuns != null ? legacyRuns : runs;
  }

  int warmup() {
    return legacyWarmup != null ? legacyWarmup : warmup;
  }

  @Mixin InputShapeOptions inputShape;
  @Mixin CommonOptions common;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    common.apply();
    PrintWriter out = spec.commandLine().getOut();
    LatencyBenchmark.Settings s =
        LatencyBenchmark.Settings.defaults()
            .withThreads(common.threads)
            .withRuns(warmup(), runs())
            .withTolerance(tolerance)
            .withMaxSeconds(maxSeconds == null ? Double.POSITIVE_INFINITY : maxSeconds);
    byte[] a = Files.readAllBytes(model); // the file as it is, not re-serialized
    Model ma = OnnxReader.parse(a, model.toString());
    FiniteWeights.require(ma, model);
    InputShapes shapes = inputShape.resolve(ma, model.toString());
    byte[] b = other == null ? null : Files.readAllBytes(other);
    Model mb = other == null ? null : OnnxReader.parse(b, other.toString());
    if (mb != null) {
      FiniteWeights.require(mb, other);
    }
    int[] asked = batches();
    int[] timed = shapes.batches(asked);
    String note =
        Arrays.equals(timed, asked)
            ? ""
            : "timed at "
                + shapes.describeBatch(timed[0])
                + " only; asked for batches "
                + Arrays.toString(asked);
    out.println("input " + shapes + (note.isEmpty() ? "" : "; " + note));
    if (mb == null) {
      out.printf(
          Locale.ROOT,
          "%-6s %-8s %12s %12s %12s %5s %7s%n",
          "batch",
          "threads",
          "median ms",
          "p90 ms",
          "img/s",
          "runs",
          "spread");
      for (int batch : timed) {
        LatencyResult r = LatencyBenchmark.measure(a, shapes, batch, s);
        out.printf(
            Locale.ROOT,
            "%-6d %-8d %12.3f %12.3f %12.1f %5d %7s%n",
            batch,
            r.intraOpThreads(),
            r.medianMillis(),
            r.p90Millis(),
            r.throughputPerSecond(),
            r.runs(),
            Double.isNaN(r.medianSpread())
                ? "-"
                : String.format(Locale.ROOT, "%.1f%%", 100 * r.medianSpread()));
      }
    } else {
      ModelProfile pa = ModelProfile.of(ma, shapes.shapes(), ProfileOptions.DEFAULTS);
      ModelProfile pb = ModelProfile.of(mb, shapes.shapes(), ProfileOptions.DEFAULTS);
      LatencyComparison c =
          LatencyBenchmark.compare(
              model.getFileName() + " vs " + other.getFileName(),
              a,
              b,
              (double) pb.totalMacs() / pa.totalMacs(),
              shapes,
              timed,
              s);
      out.print(c.toTable());
      out.printf(
          Locale.ROOT,
          "params %,d -> %,d, MACs %,d -> %,d%n",
          pa.totalParams(),
          pb.totalParams(),
          pa.totalMacs(),
          pb.totalMacs());
    }
    out.flush();
    return ExitCodes.OK;
  }
}
