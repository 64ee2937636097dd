package org.lowrank.pipeline;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.lowrank.runtime.FidelityCheck;
import org.lowrank.train.eval.EvaluationResult;

/**
 * The fidelity verdict of a compression run: how the final model compares with the original in ONNX
 * Runtime, judged against a {@link FidelityGuard}.
 *
 * @param inputs what the models were compared on
 * @param measurement agreement, output error and per-layer errors on those inputs
 * @param original top-1 of the original on the labelled evaluation images, or null without labels
 * @param compressed top-1 of the final model (ONNX Runtime) on the same images, or null
 * @param guard the thresholds applied
 * @param passed whether the model met the guard
 * @param verdict one line: what was measured and whether it passed
 * @param advice what to try when it failed (empty when it passed)
 */
public record Fidelity(
    Inputs inputs,
    FidelityCheck.Measurement measurement,
    EvaluationResult original,
    EvaluationResult compressed,
    FidelityGuard guard,
    boolean passed,
    String verdict,
    List<String> advice) {

  /** Where the compared inputs came from; random inputs measure agreement, never accuracy. */
  public enum Source {
    TEST_IMAGES("labelled test images"),
    CALIBRATION("calibration images"),
    TEST_DATA_SET("the test_data_set inputs next to the model"),
    RANDOM("seeded random inputs (agreement on noise, not accuracy)");

    private final String description;

    Source(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }
  }

  /** The compared inputs: their source and a description (e.g. the folder or the seed). */
  public record Inputs(Source source, String detail) {
    public String describe() {
      return source.description() + (detail.isEmpty() ? "" : " (" + detail + ")");
    }
  }

  public Fidelity {
    advice = List.copyOf(advice);
  }

  /** Top-1 drop in points (original - final), NaN without labels. */
  public double drop() {
    return original == null || compressed == null
        ? Double.NaN
        : 100 * (original.top1() - compressed.top1());
  }

  /** The layers that add the most error, at most {@code n}, worst first. */
  public List<FidelityCheck.LayerError> worstLayers(int n) {
    return worst(measurement, n);
  }

  private static List<FidelityCheck.LayerError> worst(FidelityCheck.Measurement m, int n) {
    return m.layers().stream()
        .filter(l -> !Double.isNaN(l.outputError()))
        .sorted(Comparator.comparingDouble(FidelityCheck.LayerError::added).reversed())
        .limit(n)
        .toList();
  }

  /**
   * Below this root mean square the original's output is treated as zero: the relative error of a
   * near-zero reference (e.g. a detector's probability map on noise, ~1e-7) says nothing.
   */
  static final double NEAR_ZERO_RMS = 1e-6;

  /**
   * Judges a measurement.
   *
   * @param original top-1 of the original on labelled images, or null
   * @param compressed top-1 of the final model on the same images, or null
   * @param fineTuned whether the run fine-tuned (else fine-tuning is advised when data is given)
   * @param hasData whether labelled data was given (else the advice names it)
   */
  public static Fidelity judge(
      Inputs inputs,
      FidelityCheck.Measurement m,
      EvaluationResult original,
      EvaluationResult compressed,
      FidelityGuard guard,
      boolean fineTuned,
      boolean hasData) {
    List<String> failures = new ArrayList<>();
    StringBuilder what = new StringBuilder();
    boolean finite = Double.isFinite(m.outputError());
    if (!finite) {
      failures.add("the compressed model's output is not finite (NaN or Inf)");
    }
    if (original != null && compressed != null) {
      double drop = 100 * (original.top1() - compressed.top1());
      what.append(
          String.format(
              Locale.ROOT,
              "top-1 %.2f%% -> %.2f%% (%s%.2f pt, %d test images)",
              100 * original.top1(),
              100 * compressed.top1(),
              drop > 0 ? "-" : "+",
              Math.abs(drop),
              compressed.examples()));
      if (drop > guard.maxDrop()) {
        failures.add(
            String.format(
                Locale.ROOT,
                "top-1 fell %.2f points, more than --max-drop %s",
                drop,
                num(guard.maxDrop())));
      }
    }
    if (what.length() > 0) {
      what.append("; ");
    }
    if (!Double.isNaN(m.top1Agreement())) {
      what.append(String.format(Locale.ROOT, "agreement %.2f%%", 100 * m.top1Agreement()));
      if (original == null && m.top1Agreement() < guard.minAgreement()) {
        failures.add(
            String.format(
                Locale.ROOT,
                "top-1 agreement %.2f%% is below --min-agreement %s",
                100 * m.top1Agreement(),
                num(guard.minAgreement())));
      }
      what.append(", ");
    } else if (original == null && finite && m.outputError() > guard.maxOutputError()) {
      failures.add(
          String.format(
              Locale.ROOT,
              "relative output error %.4f is above --max-output-error %s",
              m.outputError(),
              num(guard.maxOutputError())));
    }
    what.append(
        String.format(
            Locale.ROOT,
            "relative output error %.4f on %d samples: %s",
            m.outputError(),
            m.samples(),
            inputs.describe()));
    boolean degenerate = m.outputRms() < NEAR_ZERO_RMS;
    if (degenerate) {
      what.append(
          String.format(
              Locale.ROOT,
              "; the original's output is nearly zero on these inputs "
                  + "(RMS %.2g), so the relative error compares rounding noise",
              m.outputRms()));
    }
    boolean passed = failures.isEmpty();
    String verdict =
        (passed ? "PASSED: " : "FAILED: " + String.join("; ", failures) + ". Measured ") + what;
    List<String> advice = new ArrayList<>();
    if (degenerate) {
      advice.add(
          "compare on real inputs: put test_data_set_0/input_0.pb (an ONNX TensorProto) next to "
              + "the model, or give labelled data (--data)");
    }
    if (!passed) {
      List<FidelityCheck.LayerError> worst = worst(m, 3);
      if (!worst.isEmpty()) {
        advice.add(
            "keep the layers that add the most error: --exclude "
                + String.join(",", worst.stream().map(FidelityCheck.LayerError::layer).toList()));
      }
      advice.add(
          "loosen the budget (a larger --keep-params / --keep-flops) or raise the selector's "
              + "threshold (--energy, --threshold)");
      if (!hasData) {
        advice.add(
            "give labelled data (--data): the similarity selector, output reconstruction and "
                + "fine-tuning all need it");
      } else if (!fineTuned) {
        advice.add("fine-tune the compressed model (--finetune-epochs 1 or more)");
      }
      advice.add(
          "or accept it: --force writes it anyway; --max-drop / --min-agreement set the guard");
    }
    return new Fidelity(inputs, m, original, compressed, guard, passed, verdict, advice);
  }

  private static String num(double v) {
    return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : Double.toString(v);
  }
}
