package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Method;
import org.lowrank.plan.Budget;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.select.SelectorChoice;
import org.lowrank.plan.select.SelectorOption;

class SelectorsTest {

  @Test
  void dataFreeSearchPlansResnet20UnderTheBudget() throws Exception {
    Path model = SharedData.require("models/resnet20_cifar10/model.onnx");
    CompressionPipeline.Planned p =
        CompressionPipeline.builder()
            .setModel(model)
            .optMethods(List.of(Method.TT))
            .optBudget(Budget.keepParams(0.3))
            .optSelector(SelectorChoice.of("datafree", SelectorOption.Values.defaults()))
            .build()
            .plan();
    assertEquals("datafree", p.plan().selector());
    assertTrue(
        p.plan().keptParamsFraction() <= 0.3 + 1e-9, "kept " + p.plan().keptParamsFraction());
    long tt =
        p.plan().layers().stream()
            .filter(LayerDecision::isFactorized)
            .filter(d -> d.choice().method() == Method.TT)
            .count();
    assertEquals(18, tt);
  }

  @Test
  void unknownSelectorAndSimilarityWithoutDataAreClearErrors() throws Exception {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SelectorChoice.of("magic", SelectorOption.Values.defaults()));
    assertTrue(e.getMessage().contains("similarity, datafree"), e.getMessage());
    Path model = SharedData.require("models/resnet20_cifar10/model.onnx");
    IllegalArgumentException e2 =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                CompressionPipeline.builder()
                    .setModel(model)
                    .optMethods(List.of(Method.TUCKER2))
                    .optSelector(SelectorChoice.of("similarity", SelectorOption.Values.defaults()))
                    .build()
                    .plan());
    assertTrue(e2.getMessage().contains("--data"), e2.getMessage());
  }
}
