package org.lowrank.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Cost;
import org.lowrank.cost.Method;

class PlanTest {

  private Plan sample() {
    return new Plan(
        "m.onnx",
        "energy",
        Budget.keepParams(0.25),
        42,
        Map.of("energy", 0.9),
        List.of(
            new LayerDecision(
                "conv1",
                "conv2d",
                Choice.of(Method.TUCKER2, 8, 6),
                new Cost(9248, 2367488),
                new Cost(2000, 500000),
                0.97,
                "rounded to 2"),
            new LayerDecision(
                "fc",
                "dense",
                Choice.ttm(new int[] {2, 5}, new int[] {8, 8}, new int[] {3}),
                new Cost(650, 640),
                new Cost(200, 190),
                Double.NaN,
                ""),
            LayerDecision.skipped("dw", "depthwise", new Cost(90, 900), "depthwise")),
        new Cost(10000, 3000000),
        new Cost(2380, 600000));
  }

  @Test
  void jsonRoundTripKeepsEverything() {
    Plan p = sample();
    Plan back = Plan.fromJson(p.toJson(), "plan.json");
    assertEquals(p.model(), back.model());
    assertEquals(p.budget(), back.budget());
    assertEquals(42, back.seed());
    assertEquals(0.9, back.settings().get("energy"));
    assertEquals(p.layers().get(0), back.layers().get(0));
    assertEquals(p.layers().get(1).choice(), back.layers().get(1).choice());
    assertTrue(Double.isNaN(back.layers().get(1).score()));
    assertNull(back.layer("dw").choice());
    assertEquals("depthwise", back.layer("dw").note());
    assertEquals(0.238, back.keptParamsFraction(), 1e-12);
  }

  @Test
  void handEditedMistakesAreNamed() {
    String bad = sample().toJson().replace("\"ranks\": [8, 6]", "\"ranks\": [8, 0]");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Plan.fromJson(bad, "p.json"));
    assertTrue(e.getMessage().contains("p.json, layer 'conv1'"), e.getMessage());
    IllegalArgumentException e2 =
        assertThrows(
            IllegalArgumentException.class,
            () -> Plan.fromJson(sample().toJson().replace("\"tucker\"", "\"tuker\""), "p.json"));
    assertTrue(e2.getMessage().contains("tuker"), e2.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Plan.fromJson("{\"a\":1}", "p.json"));
    assertThrows(IllegalArgumentException.class, () -> Plan.fromJson("{", "p.json"));
  }

  @Test
  void ttmChoiceJson() {
    Plan back = Plan.fromJson(sample().toJson(), "x");
    assertArrayEquals(new int[] {8, 8}, back.layer("fc").choice().inModes());
  }

  @Test
  void duplicateLayersAndUnknownVersionsAreRefused() {
    String json = sample().toJson();
    String twice = json.replace("\"layer\": \"fc\"", "\"layer\": \"conv1\"");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Plan.fromJson(twice, "p.json"));
    assertTrue(
        e.getMessage().contains("p.json, layer 'conv1'")
            && e.getMessage().contains("more than once"),
        e.getMessage());
    String v99 = json.replace("\"version\": 1", "\"version\": 99");
    e = assertThrows(IllegalArgumentException.class, () -> Plan.fromJson(v99, "p.json"));
    assertTrue(
        e.getMessage().contains("p.json: plan format version 99 is not supported"), e.getMessage());
    String noVersion = json.replace("\"version\": 1,", "");
    assertThrows(IllegalArgumentException.class, () -> Plan.fromJson(noVersion, "p.json"));
    String notObject = json.replaceFirst("\"layers\": \\[", "\"layers\": [7, ");
    e = assertThrows(IllegalArgumentException.class, () -> Plan.fromJson(notObject, "p.json"));
    assertTrue(e.getMessage().contains("expected an object per layer"), e.getMessage());
  }
}
