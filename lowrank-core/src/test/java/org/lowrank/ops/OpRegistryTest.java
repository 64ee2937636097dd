package org.lowrank.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Node;

class OpRegistryTest {

  @Test
  void everyFoldableOpHasAShapeRuleSoItsValueHasAKnownShape() {
    List<String> foldableWithoutShape = new ArrayList<>();
    for (String op : OpRegistry.opTypes()) {
      if (OpRegistry.isFoldable(op) && !OpRegistry.hasShapeRule(op)) {
        foldableWithoutShape.add(op);
      }
    }
    assertEquals(List.of(), foldableWithoutShape);
    assertTrue(OpRegistry.opTypes().size() > 100, OpRegistry.opTypes().size() + " ops");
  }

  @Test
  void onlyTheDefaultDomainIsLookedUp() {
    assertTrue(OpRegistry.lookup("", "Conv").isPresent());
    assertTrue(OpRegistry.lookup("ai.onnx", "Conv").isPresent());
    assertTrue(OpRegistry.lookup("com.microsoft", "Conv").isEmpty());
    assertEquals(2, OpRegistry.lookup("", "Conv").orElseThrow().minInputs());
  }

  @Test
  void typeRulesFollowTheSpecs() {
    Node q = Node.builder("QuantizeLinear").inputs("x", "s", "z").outputs("y").build();
    assertEquals(
        DataType.INT8,
        OpRegistry.typeRule("QuantizeLinear")
            .outputType(q, 0, List.of(DataType.FLOAT, DataType.FLOAT, DataType.INT8)));
    assertEquals(
        DataType.UINT8,
        OpRegistry.typeRule("QuantizeLinear")
            .outputType(q, 0, List.of(DataType.FLOAT, DataType.FLOAT)));
    Node pool = Node.builder("MaxPool").inputs("x").outputs("y", "i").build();
    assertEquals(
        DataType.INT64,
        OpRegistry.typeRule("MaxPool").outputType(pool, 1, List.of(DataType.FLOAT)));
    assertEquals(
        DataType.FLOAT,
        OpRegistry.typeRule("MaxPool").outputType(pool, 0, List.of(DataType.FLOAT)));
  }

  @Test
  void aSecondRuleOfTheSameKindForAnOpIsRejected() {
    OpRegistry.Builder b = new OpRegistry.Builder().shape((n, in, c) -> null, "Foo");
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> b.shape((n, in, c) -> null, "Foo"));
    assertTrue(e.getMessage().contains("Foo"), e.getMessage());
    OpSemantics foo = b.constant((n, in, o) -> null, "Foo").build().get("Foo");
    assertArrayEquals(
        new Object[] {"Foo", 0, TypeRule.FIRST_INPUT},
        new Object[] {foo.opType(), foo.minInputs(), foo.type()});
  }
}
