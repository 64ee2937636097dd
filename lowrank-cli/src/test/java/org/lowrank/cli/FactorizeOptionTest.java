package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code compress --factorize weights|data|data-symmetric|data-distill}. */
class FactorizeOptionTest {

  @Test
  void unknownValueIsBadInputNamingTheChoices() {
    CliMessagesTest.Run r =
        CliMessagesTest.run(
            Main.commandLine(), "compress", "m.onnx", "-o", "out.onnx", "--factorize", "whitened");
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    assertTrue(
        r.err().contains("weights, data, data-symmetric or data-distill")
            && r.err().contains("whitened"),
        r.err());
  }

  @Test
  void helpDescribesTheDefault() {
    String help =
        CliMessagesTest.run(Main.commandLine(), "compress", "--help").out().replaceAll("\\s+", " ");
    assertTrue(help.contains("--factorize") && help.contains("data-symmetric"), help);
    assertTrue(help.contains("data-distill") && help.contains("--distill-steps"), help);
  }

  @Test
  void dataDistillParsesWithItsStepsAndIsSequential() {
    CompressCommand c = new CompressCommand();
    new picocli.CommandLine(c)
        .parseArgs(
            "m.onnx", "-o", "out.onnx", "--factorize", "data-distill", "--distill-steps", "7");
    assertEquals(FactorizeOptions.Factorize.distill, c.factorize.factorize);
    assertEquals("data-distill", c.factorize.factorize.toString());
    assertEquals(7, c.distillSteps);
  }
}
