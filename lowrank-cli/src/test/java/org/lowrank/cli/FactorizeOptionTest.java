package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code compress --factorize weights|data|data-symmetric}. */
class FactorizeOptionTest {

  @Test
  void unknownValueIsBadInputNamingTheChoices() {
    CliMessagesTest.Run r =
        CliMessagesTest.run(
            Main.commandLine(), "compress", "m.onnx", "-o", "out.onnx", "--factorize", "whitened");
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    assertTrue(
        r.err().contains("weights, data or data-symmetric") && r.err().contains("whitened"),
        r.err());
  }

  @Test
  void helpDescribesTheDefault() {
    String help =
        CliMessagesTest.run(Main.commandLine(), "compress", "--help").out().replaceAll("\\s+", " ");
    assertTrue(help.contains("--factorize") && help.contains("data-symmetric"), help);
  }
}
