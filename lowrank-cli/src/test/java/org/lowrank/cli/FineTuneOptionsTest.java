package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lowrank.train.finetune.FineTuneSettings;
import org.lowrank.train.finetune.OptimizerKind;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class FineTuneOptionsTest {
  @Command(name = "t")
  static final class Holder {
    @Mixin FineTuneOptions ft;
  }

  private static FineTuneSettings parse(String... args) {
    Holder h = new Holder();
    new CommandLine(h).parseArgs(args);
    return h.ft.settings(3, 0, true);
  }

  @Test
  void defaultsAreTheProductsForTheOptimizer() {
    FineTuneSettings f = parse();
    FineTuneSettings product = FineTuneSettings.epochs(3);
    assertEquals(product.kdWeight(), f.kdWeight());
    assertEquals(product.layerWeight(), f.layerWeight());
    assertEquals(product.weightDecay(), f.weightDecay());
    FineTuneSettings sgd = parse("--optimizer", "sgd");
    assertEquals(OptimizerKind.SGD_NESTEROV, sgd.optimizer());
    assertEquals(
        FineTuneSettings.defaultWeightDecay(OptimizerKind.SGD_NESTEROV), sgd.weightDecay());
  }

  @Test
  void lossWeightsAndWeightDecayReachTheSettings() {
    FineTuneSettings f =
        parse(
            "--kd-weight",
            "0.2",
            "--layer-weight",
            "1.5",
            "--weight-decay",
            "0",
            "--optimizer",
            "sgd");
    assertEquals(0.2, f.kdWeight());
    assertEquals(1.5, f.layerWeight());
    assertEquals(0.0, f.weightDecay(), "an explicit weight decay survives the optimizer's default");
  }

  @Test
  void outOfRangeWeightsAreRejectedWithTheValue() {
    IllegalArgumentException kd =
        assertThrows(IllegalArgumentException.class, () -> parse("--kd-weight", "1.5"));
    assertTrue(
        kd.getMessage().contains("[0, 1]") && kd.getMessage().contains("1.5"), kd.getMessage());
    IllegalArgumentException wd =
        assertThrows(IllegalArgumentException.class, () -> parse("--weight-decay", "-1"));
    assertTrue(wd.getMessage().contains("-1.0"), wd.getMessage());
  }
}
