package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.lowrank.cli.CliMessagesTest.Run;
import org.lowrank.train.exec.DeviceChoice;

/** {@code --device}: parsed and checked before any work, with its own exit codes. */
class DeviceOptionTest {

  @Test
  void aMalformedDeviceIsBadInput() {
    Run r =
        CliMessagesTest.run(
            Main.commandLine(), "plan", "missing.onnx", "-o", "p.json", "--device", "tpu");
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    assertTrue(r.err().contains("--device: expected auto, cpu, cuda or cuda:N"), r.err());
  }

  @Test
  void aDeviceListThatNamesAGpuTwiceIsBadInput() {
    Run r =
        CliMessagesTest.run(
            Main.commandLine(),
            "plan",
            "missing.onnx",
            "-o",
            "p.json",
            "--device",
            "cuda:0,cuda:0");
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    assertTrue(r.err().contains("--device: cuda:0 is listed twice"), r.err());
  }

  @Test
  void aGpuThisBuildCannotSeeIsAResourceFailureNamingTheOptionAndTheProfile() {
    Assumptions.assumeTrue(Engine.getEngine("PyTorch").getGpuCount() == 0, "CPU-only build");
    String before = System.getProperty(DeviceChoice.PROPERTY);
    Run r =
        CliMessagesTest.run(
            Main.commandLine(), "plan", "missing.onnx", "-o", "p.json", "--device", "cuda:1");
    assertEquals(ExitCodes.RESOURCE, r.code(), r.err());
    assertTrue(
        r.err().startsWith("lowrank plan: --device cuda:1: the PyTorch engine sees no GPU")
            && r.err().contains("-Pcuda"),
        r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertEquals(before, System.getProperty(DeviceChoice.PROPERTY), "a failed choice is not kept");
  }
}
