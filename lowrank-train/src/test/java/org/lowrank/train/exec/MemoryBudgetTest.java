package org.lowrank.train.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lowrank.LowrankException;

class MemoryBudgetTest {
  private static final long MIB = 1L << 20;
  private static final long GIB = 1L << 30;

  @Test
  void parsesSizesWithBinaryUnitsAndRejectsOthersNamingTheOption() {
    assertEquals(512 * MIB, MemoryBudget.parse("512m").bytes());
    assertEquals(512 * MIB, MemoryBudget.parse("512MiB").bytes());
    assertEquals(3 * GIB / 2, MemoryBudget.parse("1.5G").bytes());
    assertEquals(2 * GIB, MemoryBudget.parse("2gb").bytes());
    assertEquals(4096, MemoryBudget.parse("4k").bytes());
    assertEquals(1000, MemoryBudget.parse("1000").bytes());
    assertEquals(MemoryBudget.machineDefault(), MemoryBudget.parse("auto"));
    for (String bad : new String[] {"", "lots", "-1g", "2x", "0"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> MemoryBudget.parse(bad), bad);
      assertTrue(e.getMessage().startsWith("--memory-budget"), e.getMessage());
    }
  }

  @Test
  void theDefaultIsHalfThePhysicalMemoryMinusTheHeapWithAFloor() {
    assertEquals(24 * GIB, MemoryBudget.defaultBytes(64 * GIB, 8 * GIB));
    assertEquals(256 * MIB, MemoryBudget.defaultBytes(16 * GIB, 8 * GIB));
    assertTrue(MemoryBudget.machineDefault().bytes() >= 256 * MIB);
  }

  @Test
  void itemsFitTheBudgetAndOneAlwaysFits() {
    MemoryBudget b = new MemoryBudget(10 * MIB);
    assertEquals(10, b.items(MIB, 64));
    assertEquals(3, b.items(MIB, 3));
    assertEquals(1, b.items(100 * MIB, 64));
    assertEquals("10 MiB", b.toString());
    assertEquals("1.5 GiB", MemoryBudget.format(3 * GIB / 2));
  }

  @Test
  void aNeedOverTheBudgetIsAResourceErrorNamingTheSetting() {
    MemoryBudget b = new MemoryBudget(10 * MIB);
    b.require(10 * MIB, "x", "");
    LowrankException e =
        assertThrows(
            LowrankException.class, () -> b.require(11 * MIB, "the cache", "use fewer images"));
    assertEquals(LowrankException.Kind.RESOURCE, e.kind());
    assertEquals(
        "the cache needs 11 MiB at once, over --memory-budget 10 MiB: raise --memory-budget (the"
            + " machine default is half the physical memory minus the Java heap) or use fewer images",
        e.getMessage());
  }
}
