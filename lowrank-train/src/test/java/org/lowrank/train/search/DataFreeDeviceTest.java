package org.lowrank.train.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.lowrank.LowrankException;
import org.lowrank.train.exec.DeviceChoice;

/** The data-free search allocates on the device of its configuration. */
class DataFreeDeviceTest {

  @Test
  void theSearchRunsOnItsConfiguredDevice() {
    Assumptions.assumeTrue(Engine.getEngine("PyTorch").getGpuCount() == 0, "CPU-only build");
    List<SearchLayer> layers = List.of(PlantedLayers.cpConv("cp", 16, 16, 4, 1e-2, 4));
    DataFreeSearchConfig gpu =
        DataFreeSearchConfig.builder().optDevice(DeviceChoice.cuda(0)).build();
    assertEquals(DeviceChoice.cuda(0), gpu.device());
    LowrankException e =
        assertThrows(LowrankException.class, () -> new DataFreeRankSearch(gpu).search(layers));
    assertEquals(LowrankException.Kind.RESOURCE, e.kind());
    assertTrue(e.getMessage().contains("-Pcuda"), e.getMessage());
    assertEquals(
        DeviceChoice.CPU,
        DataFreeSearchConfig.builder().optDevice(DeviceChoice.CPU).build().device());
  }
}
