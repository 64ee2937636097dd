package org.lowrank.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GraphValidatorTest {

  private static Node relu(String name, String in, String out) {
    return Node.builder("Relu").name(name).inputs(in).outputs(out).build();
  }

  private static Graph.Builder base() {
    return Graph.builder()
        .addInput(ValueInfo.of("x", DataType.FLOAT, 1, 4))
        .addOutput(ValueInfo.of("c", DataType.FLOAT, 1, 4));
  }

  @Test
  void sortedGraphIsKeptAndUnsortedGraphIsSortedStably() {
    Graph sorted =
        base()
            .addNode(relu("A", "x", "a"))
            .addNode(relu("B", "a", "b"))
            .addNode(relu("C", "b", "c"))
            .build();
    assertTrue(TopologicalOrder.isSorted(sorted));
    assertSame(sorted, TopologicalOrder.sorted(sorted));
    Graph shuffled =
        base()
            .addNode(relu("C", "b", "c"))
            .addNode(relu("A", "x", "a"))
            .addNode(relu("B", "a", "b"))
            .addNode(relu("D", "x", "d"))
            .build();
    List<String> order = TopologicalOrder.sort(shuffled).stream().map(Node::name).toList();
    assertEquals(List.of("A", "B", "C", "D"), order);
    Model m = GraphValidator.validateAndSort(Model.of(shuffled, 13));
    assertEquals("A", m.graph().nodes().get(0).name());
  }

  @Test
  void cycleIsReportedWithTheNodesOnIt() {
    Graph g =
        base()
            .addNode(relu("A", "x", "a"))
            .addNode(Node.builder("Add").name("B").inputs("a", "c").outputs("b").build())
            .addNode(relu("C", "b", "c"))
            .build();
    ModelException e = assertThrows(ModelException.class, () -> GraphValidator.validate(g));
    assertTrue(
        e.getMessage().contains("cycle")
            && e.getMessage().contains("B (Add)")
            && e.getMessage().contains("C (Relu)"),
        e.getMessage());
    assertTrue(e.nodeName().equals("B") || e.nodeName().equals("C"));
  }

  @Test
  void danglingInputAndDuplicateOutputAreNamed() {
    Graph dangling =
        base()
            .addNode(relu("A", "x", "a"))
            .addNode(
                Node.builder("Conv")
                    .name("conv7")
                    .inputs("a", "missing.weight")
                    .outputs("c")
                    .build())
            .build();
    ModelException e = assertThrows(ModelException.class, () -> GraphValidator.validate(dangling));
    assertTrue(
        e.getMessage().contains("conv7") && e.getMessage().contains("missing.weight"),
        e.getMessage());
    assertEquals("Conv", e.opType());

    Graph dup = base().addNode(relu("A", "x", "c")).addNode(relu("B", "x", "c")).build();
    e = assertThrows(ModelException.class, () -> GraphValidator.validate(dup));
    assertTrue(
        e.getMessage().contains("B (Relu)") && e.getMessage().contains("'c'"), e.getMessage());

    Graph noOut = base().addNode(relu("A", "x", "a")).build();
    e = assertThrows(ModelException.class, () -> GraphValidator.validate(noOut));
    assertTrue(e.getMessage().contains("output 'c'"), e.getMessage());
  }

  @Test
  void subgraphsMayReadOuterValues() {
    Graph body =
        Graph.builder()
            .addNode(relu("inner", "a", "t"))
            .addOutput(ValueInfo.of("t", DataType.FLOAT, 1, 4))
            .build();
    Graph g =
        base()
            .addInput(ValueInfo.of("cond", DataType.BOOL))
            .addNode(
                Node.builder("If")
                    .name("if")
                    .inputs("cond")
                    .outputs("c")
                    .attribute(new Attribute("then_branch", Attribute.Kind.GRAPH, body))
                    .attribute(new Attribute("else_branch", Attribute.Kind.GRAPH, body))
                    .build())
            .addNode(relu("A", "x", "a"))
            .build();
    // "if" reads "a" through its subgraphs, so it must come after A
    List<String> order = TopologicalOrder.sort(g).stream().map(Node::name).toList();
    assertEquals(List.of("A", "if"), order);
    GraphValidator.validate(g);
  }
}
