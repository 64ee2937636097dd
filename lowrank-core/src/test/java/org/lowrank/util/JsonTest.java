package org.lowrank.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void roundTripKeepsTypesAndOrder() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "conv\"1\n");
    m.put("ranks", new int[] {16, 32});
    m.put("score", 0.987654321);
    m.put("params", 1234567890123L);
    m.put("skip", null);
    m.put("ok", true);
    m.put("layers", List.of(Map.of("a", 1L), Map.of("b", 2.5)));
    for (int indent : new int[] {0, 2}) {
      Map<String, Object> back = Json.parseObject(Json.write(m, indent));
      assertEquals(
          List.of("name", "ranks", "score", "params", "skip", "ok", "layers"),
          List.copyOf(back.keySet()));
      assertEquals("conv\"1\n", back.get("name"));
      assertEquals(List.of(16L, 32L), back.get("ranks"));
      assertEquals(0.987654321, (Double) back.get("score"), 1e-12);
      assertEquals(1234567890123L, back.get("params"));
      assertEquals(null, back.get("skip"));
      assertEquals(true, back.get("ok"));
      assertEquals(2.5, ((Map<?, ?>) ((List<?>) back.get("layers")).get(1)).get("b"));
    }
  }

  @Test
  void wholeDoublesStayDoubles() {
    assertEquals(3.0, Json.parse(Json.write(3.0, 0)));
    assertEquals(3L, Json.parse(Json.write(3, 0)));
    assertEquals(1e-12, (Double) Json.parse(Json.write(1e-12, 0)), 1e-24);
  }

  @Test
  void malformedInputNamesLineAndColumn() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\n  \"a\": [1, 2,, 3]\n}"));
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": 1} x"));
    assertThrows(IllegalArgumentException.class, () -> Json.parse("[1, 2"));
    assertThrows(IllegalArgumentException.class, () -> Json.parseObject("[1]"));
  }

  @Test
  void deepNestingIsAnErrorNotAStackOverflow() {
    String deep = "[".repeat(200_000) + "]".repeat(200_000);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Json.parse(deep));
    assertTrue(e.getMessage().contains("nested deeper than " + Json.MAX_DEPTH), e.getMessage());
    String ok = "{\"a\":".repeat(Json.MAX_DEPTH - 1) + "[]" + "}".repeat(Json.MAX_DEPTH - 1);
    Json.parse(ok);
    Json.parse("[" + "[1],".repeat(1000) + "[]]"); // long but shallow
  }
}
