package org.lowrank.train.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.lowrank.LowrankException;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.exec.DeviceChoice;

/**
 * The device chosen through the Java API reaches fine-tuning: on this CPU-only build a GPU choice
 * must fail with the resource error (so it was used), and a CPU choice must win over a GPU set as
 * the process default.
 */
class DevicePlumbingTest {

  @Test
  void fineTuningRunsOnItsConfiguredDevice() {
    Assumptions.assumeTrue(Engine.getEngine("PyTorch").getGpuCount() == 0, "CPU-only build");
    DataLoader train = DataLoader.builder(FineTunerTest.blobs(16, 1)).setBatchSize(8).build();
    LowrankException gpu =
        assertThrows(
            LowrankException.class,
            () ->
                FineTuner.run(
                    FineTunerTest.tinyCnn(2),
                    train,
                    FineTuneConfig.builder().optSteps(1).optDevice(DeviceChoice.cuda(0)).build()));
    assertEquals(LowrankException.Kind.RESOURCE, gpu.kind());
    assertTrue(gpu.getMessage().contains("--device cuda:0"), gpu.getMessage());

    String before = System.getProperty(DeviceChoice.PROPERTY);
    System.setProperty(DeviceChoice.PROPERTY, "cuda:0");
    try {
      FineTuneResult r =
          FineTuner.run(
              FineTunerTest.tinyCnn(2),
              train,
              FineTuneConfig.builder().optSteps(2).optDevice(DeviceChoice.CPU).build());
      assertEquals(2, r.steps());
    } finally {
      if (before == null) {
        System.clearProperty(DeviceChoice.PROPERTY);
      } else {
        System.setProperty(DeviceChoice.PROPERTY, before);
      }
    }
  }
}
