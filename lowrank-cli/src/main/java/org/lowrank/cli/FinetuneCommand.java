package org.lowrank.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank.analysis.InputShapes;
import org.lowrank.graph.Model;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.pipeline.FineTuning;
import org.lowrank.pipeline.FiniteWeights;
import org.lowrank.train.finetune.FineTuneResult;
import org.lowrank.train.finetune.FineTuneSettings;
import org.lowrank.train.finetune.FineTuneWarning;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lowrank finetune MODEL -o OUT --data D}: train a (compressed) model once more. */
@Command(
    name = "finetune",
    mixinStandardHelpOptions = true,
    description = {
      "Fine-tune a model on labelled images (SGD Nesterov or AdamW, cosine schedule),",
      "optionally distilling from a teacher (e.g. the uncompressed model), and export ONNX."
    })
public final class FinetuneCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL.onnx")
  Path model;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "OUT.onnx")
  Path output;

  @Option(
      names = "--teacher",
      paramLabel = "TEACHER.onnx",
      description = "Distill logits from this model.")
  Path teacher;

  @Option(
      names = "--finetune-epochs",
      paramLabel = "N",
      defaultValue = "1",
      description = "Fine-tune for N epochs (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--finetune-steps",
      paramLabel = "N",
      defaultValue = "0",
      description = "Fine-tune for N optimizer steps instead of epochs.")
  long steps;

  /** The names before the option vocabulary was shared with compress (kept, hidden; they win). */
  @Option(names = "--epochs", hidden = true, paramLabel = "N")
  Integer legacyEpochs;

  @Option(names = "--steps", hidden = true, paramLabel = "N")
  Long legacySteps;

  int epochs() {
    return legacyEpochs != null ? legacyEpochs : epochs;
  }

  long steps() {
    return legacySteps != null ? legacySteps : steps;
  }

  @Mixin FineTuneOptions fineTune;
  @Mixin InputShapeOptions inputShape;
  @Mixin CommonOptions common;
  @Mixin DataOptions data;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    common.apply();
    if (!data.present()) {
      throw new IllegalArgumentException("finetune needs labelled images: add --data PATH");
    }
    OutputCheck.check(
        "output model",
        output,
        "input model",
        model,
        "teacher model",
        teacher,
        "dataset",
        data.data);
    Model m = OnnxReader.read(model);
    FiniteWeights.require(m, model);
    InputShapes shapes = inputShape.resolve(m, model.toString());
    FineTuneSettings f = fineTune.settings(epochs(), steps(), teacher != null);
    Model t = teacher == null ? null : OnnxReader.read(teacher);
    if (t != null) {
      FiniteWeights.require(t, teacher);
    }
    FineTuneResult r =
        FineTuning.run(
            m,
            t,
            List.of(),
            data.source(),
            shapes,
            f,
            common.seed,
            new StageProgress(common.progress(), System.err, true));
    OnnxWriter.write(r.model(), output, model);
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        Locale.ROOT, "fine-tuned %d steps in %.1f s; wrote %s%n", r.steps(), r.seconds(), output);
    if (!Double.isNaN(r.validationTop1Before())) {
      out.printf(
          Locale.ROOT,
          "validation top-1 %.2f%% before, %.2f%% at the best checkpoint%s%n",
          100 * r.validationTop1Before(),
          100 * r.bestValidationTop1(),
          r.keptOriginal() ? "; the model as it was before fine-tuning was written" : "");
    }
    for (FineTuneWarning w : r.warnings()) {
      out.println("warning: " + w.message());
    }
    out.flush();
    return ExitCodes.OK;
  }
}
