package org.lowrank.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RankMultipleTest {
  private static String cpuinfo(String flags) {
    return "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Some CPU\n"
        + "flags\t\t: "
        + flags
        + "\nbugs\t\t: spectre_v1\n\nprocessor\t: 1\nflags\t\t: "
        + flags
        + "\n";
  }

  @Test
  void avx512fGivesSixteen() {
    RankMultiple r =
        RankMultiple.fromCpuinfo(cpuinfo("fpu sse sse2 avx avx2 fma avx512f avx512dq avx512bw"));
    assertEquals(16, r.multiple());
    assertEquals("detected (avx512f)", r.source());
  }

  @Test
  void avx2WithoutAvx512GivesEight() {
    // avx512 extensions without the foundation flag do not count
    RankMultiple r = RankMultiple.fromCpuinfo(cpuinfo("fpu sse2 avx avx2 fma avx512_vnni_fake"));
    assertEquals(8, r.multiple());
    assertEquals("detected (avx2)", r.source());
  }

  @Test
  void noFlagsFallsBackToEight() {
    assertEquals(
        new RankMultiple(8, "fallback (no cpu flags)"),
        RankMultiple.fromCpuinfo("Processor : ARMv8\n"));
    assertEquals(8, RankMultiple.fromCpuinfo(cpuinfo("fpu sse2")).multiple());
  }

  @Test
  void spellingsParse() {
    assertEquals(new RankMultiple(8, "target avx2"), RankMultiple.parse("avx2"));
    assertEquals(new RankMultiple(16, "target avx512"), RankMultiple.parse("AVX512"));
    assertEquals(RankMultiple.given(1), RankMultiple.parse("1"));
    assertEquals(RankMultiple.given(32), RankMultiple.parse(" 32 "));
    RankMultiple auto = RankMultiple.parse("auto");
    assertTrue(auto.multiple() == 8 || auto.multiple() == 16, auto.toString());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RankMultiple.parse("0"));
    assertTrue(
        e.getMessage().contains("--rank-multiple") && e.getMessage().contains("'0'"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RankMultiple.parse("sse"));
  }

  @Test
  void theTargetCpuVariableOverridesThisMachine() {
    RankMultiple avx2 = RankMultiple.detect("avx2");
    assertEquals(8, avx2.multiple());
    assertEquals("target avx2 (LOWRANK_TARGET_CPU)", avx2.source());
    assertEquals(16, RankMultiple.detect("AVX512").multiple());
    assertEquals(RankMultiple.detect(null).multiple(), RankMultiple.detect(" ").multiple());
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> RankMultiple.detect("8"));
  }
}
