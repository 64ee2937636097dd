package org.lowrank.train.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** One spec: the record and the train-side builder take the same values and reject them alike. */
class FineTuneSettingsTest {

  @Test
  void theConfigTakesTheSpecsOptimizerScheduleAndLength() {
    FineTuneSettings s =
        FineTuneSettings.epochs(3)
            .withOptimizer(OptimizerKind.SGD_NESTEROV)
            .withLearningRate(0.02)
            .withWeightDecay(1e-3)
            .withWarmup(0.1);
    FineTuneConfig c = FineTuneConfig.builder().optSettings(s).build();
    assertEquals(OptimizerKind.SGD_NESTEROV, c.optimizer());
    assertEquals(0.02, c.learningRate());
    assertEquals(1e-3, c.weightDecay());
    assertEquals(0.1, c.warmupFraction());
    assertEquals(3, c.epochs());
    assertEquals(0, c.steps());
    FineTuneConfig steps = FineTuneConfig.builder().optSettings(s.withSteps(40)).build();
    assertEquals(40, steps.steps(), "steps win over epochs");
  }

  /** Each bad value: the record's message and the builder's are the same sentence. */
  @Test
  void aBadValueIsRejectedWithOneMessageByTheSpecAndByTheBuilder() {
    FineTuneSettings ok = FineTuneSettings.epochs(1);
    List<Case> cases =
        List.of(
            new Case(() -> ok.withLearningRate(-1), b -> b.optLearningRate(-1), "-1.0"),
            new Case(
                () -> ok.withWeightDecay(Double.POSITIVE_INFINITY),
                b -> b.optWeightDecay(Double.POSITIVE_INFINITY),
                "Infinity"),
            new Case(() -> ok.withKdWeight(1.5), b -> b.optLogitDistillation(4, 1.5), "1.5"),
            new Case(() -> ok.withWarmup(1), b -> b.optWarmupFraction(1), "[0, 1)"),
            new Case(() -> ok.withLayerWeight(-2), b -> b.optLayerMatching(List.of(), -2), "-2.0"),
            new Case(
                () -> ok.withWeightDistillation(Double.NaN),
                b -> b.optWeightDistillation(List.of(), Double.NaN),
                "NaN"),
            new Case(() -> FineTuneSettings.epochs(0), b -> b.optEpochs(0), "epochs 0, steps 0"));
    for (Case c : cases) {
      String spec = assertThrows(IllegalArgumentException.class, c.spec::get).getMessage();
      FineTuneConfig.Builder b = FineTuneConfig.builder();
      c.builder.accept(b);
      String built = assertThrows(IllegalArgumentException.class, b::build).getMessage();
      assertEquals(spec, built);
      assertEquals(true, spec.contains(c.found), spec);
    }
  }

  private record Case(
      Supplier<FineTuneSettings> spec, Consumer<FineTuneConfig.Builder> builder, String found) {}
}
