package org.lowrank.train.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.LowrankException;
import org.lowrank.train.finetune.FineTunerTest;

class DeviceChoiceTest {

  @Test
  void parsesEveryFormAndRejectsOthersNamingTheOption() {
    assertEquals(DeviceChoice.AUTO, DeviceChoice.parse("auto"));
    assertEquals(DeviceChoice.CPU, DeviceChoice.parse(" CPU "));
    assertEquals(DeviceChoice.cuda(0), DeviceChoice.parse("cuda"));
    assertEquals(DeviceChoice.cuda(3), DeviceChoice.parse("cuda:3"));
    assertEquals(DeviceChoice.cuda(1), DeviceChoice.parse("gpu:1"));
    assertEquals("cuda:3", DeviceChoice.cuda(3).toString());
    assertEquals(DeviceChoice.cuda(2), DeviceChoice.parse(DeviceChoice.cuda(2).toString()));
    for (String bad : new String[] {"", "tpu", "cuda:", "cuda:-1", "cuda:x", "cpu:0"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> DeviceChoice.parse(bad), bad);
      assertTrue(
          e.getMessage().startsWith("--device: expected auto, cpu, cuda or cuda:N")
              && e.getMessage().contains("'" + bad + "'"),
          e.getMessage());
    }
  }

  @Test
  void aDeviceListAsksForReplicasAndIsCheckedEntryByEntry() {
    assertEquals(List.of(DeviceChoice.CPU), DeviceChoice.parseReplicas("cpu"));
    assertEquals(
        List.of(DeviceChoice.CPU, DeviceChoice.CPU), DeviceChoice.parseReplicas("cpu, cpu"));
    assertEquals(
        List.of(DeviceChoice.cuda(0), DeviceChoice.cuda(1)),
        DeviceChoice.parseReplicas("cuda:0,cuda:1"));
    String[][] bad = {
      {"cuda:0,cuda:0", "cuda:0 is listed twice"},
      {"auto,cpu", "auto cannot be part of a device list"},
      {"cpu,,cpu", "empty entry"},
      {"cpu,tpu", "found 'tpu'"}
    };
    for (String[] b : bad) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> DeviceChoice.parseReplicas(b[0]), b[0]);
      assertTrue(
          e.getMessage().startsWith("--device: ") && e.getMessage().contains(b[1]), e.getMessage());
    }
    String before = System.getProperty(DeviceChoice.PROPERTY);
    try {
      DeviceChoice.setDefault(List.of(DeviceChoice.CPU, DeviceChoice.CPU));
      assertEquals(DeviceChoice.CPU, DeviceChoice.configured(), "other stages use the first");
      assertEquals(2, DeviceChoice.configuredReplicas().size());
    } finally {
      if (before == null) {
        System.clearProperty(DeviceChoice.PROPERTY);
      } else {
        System.setProperty(DeviceChoice.PROPERTY, before);
      }
    }
  }

  @Test
  void autoIsTheFirstGpuElseTheCpu() {
    assertEquals(Device.cpu(), DeviceChoice.AUTO.resolve(() -> 0));
    assertEquals(Device.gpu(0), DeviceChoice.AUTO.resolve(() -> 2));
    assertEquals(Device.cpu(), DeviceChoice.CPU.resolve(() -> 2));
    assertEquals(Device.gpu(1), DeviceChoice.cuda(1).resolve(() -> 2));
  }

  @Test
  void aMissingGpuIsAResourceErrorNamingTheOptionAndTheProfile() {
    LowrankException none =
        assertThrows(LowrankException.class, () -> DeviceChoice.cuda(0).resolve(() -> 0));
    assertEquals(LowrankException.Kind.RESOURCE, none.kind());
    assertTrue(
        none.getMessage().startsWith("--device cuda:0: the PyTorch engine sees no GPU")
            && none.getMessage().contains("-Pcuda")
            && none.getMessage().contains("--device cpu"),
        none.getMessage());
    LowrankException tooFew =
        assertThrows(LowrankException.class, () -> DeviceChoice.cuda(2).resolve(() -> 2));
    assertTrue(tooFew.getMessage().contains("sees 2 GPUs (cuda:0..cuda:1)"), tooFew.getMessage());
  }

  @Test
  void onThisCpuBuildAutoResolvesToTheCpuAndCudaFails() {
    // the default build ships CPU natives only; a -Pcuda build on a GPU machine skips this
    org.junit.jupiter.api.Assumptions.assumeTrue(Engine.getEngine("PyTorch").getGpuCount() == 0);
    assertEquals(Device.cpu(), DeviceChoice.AUTO.resolve());
    LowrankException e =
        assertThrows(LowrankException.class, () -> DeviceChoice.parse("cuda").resolve());
    assertEquals(LowrankException.Kind.RESOURCE, e.kind());
  }

  @Test
  void theExecutorAllocatesOnTheConfiguredOrGivenDevice() {
    String before = System.getProperty(DeviceChoice.PROPERTY);
    try {
      System.setProperty(DeviceChoice.PROPERTY, "cpu");
      try (GraphExecutor ex = GraphExecutor.of(FineTunerTest.tinyCnn(1));
          NDManager batch = ex.manager().newSubManager()) {
        assertEquals(Device.cpu(), ex.manager().getDevice());
        NDArray x = batch.zeros(new Shape(2, 1, 8, 8));
        NDList out = ex.forward(batch, new NDList(x), false);
        assertEquals(Device.cpu(), out.head().getDevice());
        for (var p : ex.parameters().values()) {
          assertEquals(Device.cpu(), p.getArray().getDevice(), p.getName());
        }
      }
      if (Engine.getEngine("PyTorch").getGpuCount() == 0) {
        System.setProperty(DeviceChoice.PROPERTY, "cuda:0");
        LowrankException e =
            assertThrows(LowrankException.class, () -> GraphExecutor.of(FineTunerTest.tinyCnn(1)));
        assertEquals(LowrankException.Kind.RESOURCE, e.kind());
        // an explicit device wins over the configured one
        try (GraphExecutor ex =
            GraphExecutor.builder(FineTunerTest.tinyCnn(1)).optDevice(Device.cpu()).build()) {
          assertEquals(Device.cpu(), ex.manager().getDevice());
        }
      }
    } finally {
      if (before == null) {
        System.clearProperty(DeviceChoice.PROPERTY);
      } else {
        System.setProperty(DeviceChoice.PROPERTY, before);
      }
    }
  }
}
