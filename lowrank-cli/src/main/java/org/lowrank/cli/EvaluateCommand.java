package org.lowrank.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lowrank.analysis.InputShapes;
import org.lowrank.graph.Model;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.pipeline.CompressionPipeline;
import org.lowrank.pipeline.FiniteWeights;
import org.lowrank.pipeline.FixedBatchPredictor;
import org.lowrank.pipeline.OrtPredictor;
import org.lowrank.runtime.OrtRunner;
import org.lowrank.runtime.RuntimeOptions;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.data.Datasets;
import org.lowrank.train.data.ImageDataset;
import org.lowrank.train.eval.AgreementResult;
import org.lowrank.train.eval.EvaluationResult;
import org.lowrank.train.eval.Evaluator;
import org.lowrank.train.eval.Predictor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lowrank evaluate MODEL --data D}: top-1/top-5 in ONNX Runtime, and agreement with another
 * model.
 */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description = {
      "Top-1 and top-5 accuracy and loss of a model on a test split, run in ONNX",
      "Runtime; with --against, how often two models predict the same class."
    })
public final class EvaluateCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL.onnx")
  Path model;

  @Option(
      names = "--against",
      paramLabel = "OTHER.onnx",
      description = "Also report agreement with this model.")
  Path against;

  @Option(
      names = "--split",
      defaultValue = "test",
      description = "Split to evaluate (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(
      names = "--eval-limit",
      paramLabel = "N",
      defaultValue = "0",
      description = "Evaluate on at most N images (0 = all).")
  int limit;

  /** The name before the option vocabulary was shared with compress (kept, hidden; it wins). */
  @Option(names = "--limit", hidden = true, paramLabel = "N")
  Integer legacyLimit;

  int limit() {
    return legacyLimit != null ? legacyLimit : limit;
  }

  @Mixin InputShapeOptions inputShape;
  @Mixin CommonOptions common;
  @Mixin DataOptions data;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    common.apply();
    if (!data.present()) {
      throw new IllegalArgumentException("evaluate needs labelled images: add --data PATH");
    }
    Model m = OnnxReader.read(model);
    FiniteWeights.require(m, model);
    if (against != null) { // read before the evaluation, not after it
      FiniteWeights.require(OnnxReader.read(against), against);
    }
    InputShapes shapes = inputShape.resolve(m, model.toString());
    PrintWriter out = spec.commandLine().getOut();
    RuntimeOptions opts = RuntimeOptions.withThreads(common.threads);
    try (ImageDataset all = data.source().open(split, shapes.first());
        OrtRunner ort = OrtRunner.open(model, opts)) {
      ImageDataset ds = limit() > 0 ? Datasets.limit(all, limit(), common.seed) : all;
      int batch = shapes.batchOr(CompressionPipeline.EVAL_BATCH);
      DataLoader loader =
          DataLoader.builder(ds)
              .setBatchSize(batch)
              .optNormalization(data.source().normalization())
              .build();
      Predictor predictor = FixedBatchPredictor.of(new OrtPredictor(ort), shapes.fixedBatch());
      ProgressBar bar = common.progress();
      bar.start("evaluate " + model.getFileName(), loader.batchesPerEpoch());
      EvaluationResult r = Evaluator.evaluate(predictor, loader, n -> bar.progress(n, ""));
      bar.finish("");
      out.printf(
          Locale.ROOT,
          "%s on %s (%d images%s): top-1 %.2f%%, top-5 %.2f%%, loss %.4f%n",
          model.getFileName(),
          ds.description(),
          r.examples(),
          batchNote(shapes, ds.size()),
          100 * r.top1(),
          100 * r.top5(),
          r.meanLoss());
      if (against != null) {
        Model o = OnnxReader.read(against);
        InputShapes otherShapes =
            InputShapes.resolve(against.toString(), o.graph().runtimeInputs(), Map.of());
        try (OrtRunner other = OrtRunner.open(against, opts)) {
          AgreementResult a =
              Evaluator.agreement(
                  FixedBatchPredictor.of(new OrtPredictor(other), otherShapes.fixedBatch()),
                  predictor,
                  loader);
          out.printf(
              Locale.ROOT,
              "agreement with %s on %d images: top-1 %.2f%%, mean KL %.4f nats%s%n",
              against.getFileName(),
              a.examples(),
              100 * a.top1Agreement(),
              a.meanKl(),
              a.nonFinite() > 0
                  ? ", " + a.nonFinite() + " images with NaN or infinite scores"
                  : "");
        }
      }
    }
    out.flush();
    return ExitCodes.OK;
  }

  /** ", batches of 1 fixed by the model" (+ how the last partial batch was run), or empty. */
  private static String batchNote(InputShapes shapes, int images) {
    if (shapes.fixedBatch().isEmpty()) {
      return "";
    }
    int b = shapes.fixedBatch().getAsInt();
    int rest = images % b;
    return ", batches of "
        + b
        + " fixed by the model"
        + (rest == 0 ? "" : "; the last " + rest + " padded with zero images, scored once");
  }
}
