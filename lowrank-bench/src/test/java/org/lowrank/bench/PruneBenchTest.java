package org.lowrank.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The prune block: the fine-tuned variants, the pivot and the generated answer. */
class PruneBenchTest {
  private static final String R20 = "resnet20/flops-0.75/";

  private static Map<String, Object> row(double top1) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("exit_code", 0);
    m.put("params_before", 1000L);
    m.put("params_after", 600L);
    m.put("macs_before", 100L);
    m.put("macs_after", 75L);
    m.put("top1_original", 0.8);
    m.put("top1_written", top1);
    m.put("speedup_b1", 1.2);
    m.put("cpu_speedup_b1", 1.25);
    return m;
  }

  @Test
  void everyFineTunedRowIsItsBaseRowPlusTheFineTune() {
    Map<String, PruneBench.Row> rows = new LinkedHashMap<>();
    PruneBench.rows().forEach(r -> rows.put(r.id(), r));
    assertEquals(PruneBench.rows().size(), rows.size(), "ids are unique");
    long tuned = 0;
    for (PruneBench.Row r : rows.values()) {
      if (r.id().endsWith(PruneBench.FINETUNED)) {
        tuned++;
        PruneBench.Row base = rows.get(r.id().substring(0, r.id().length() - 4));
        assertEquals(base.args(), r.args().subList(0, base.args().size()), r.id());
        assertTrue(r.args().contains("--finetune-epochs"), r.id());
        assertEquals(!r.model().equals(PruneBench.FASHION), r.args().contains("--augment"), r.id());
        assertEquals(r.model().equals("resnet56"), r.args().contains("--train-limit"), r.id());
      }
    }
    assertTrue(
        rows.containsKey(R20 + "data-prune-0.75-feature-map+lowrank" + PruneBench.FINETUNED));
    assertTrue(rows.containsKey("fashion-cnn/flops-0.75/data-lowrank" + PruneBench.FINETUNED));
    assertEquals(9, tuned, "ResNet-20 3, Fashion-MNIST 3, ResNet-56 3");
  }

  @Test
  void theAnswerComesFromTheFineTunedRowsWhenAllThreeHaveThem() {
    Map<String, Map<String, Object>> latest = new LinkedHashMap<>();
    latest.put(R20 + "prune-feature-map", row(0.45));
    latest.put(R20 + "data-lowrank", row(0.80));
    latest.put(R20 + "data-prune-0.75-feature-map+lowrank", row(0.74));
    String before = PruneBench.answer(latest, "resnet20/flops-0.75");
    assertTrue(before.contains("before fine-tuning: no"), before);
    assertTrue(before.contains("low-rank alone is 6.00 points better"), before);

    latest.put(R20 + "prune-feature-map/ft2", row(0.78));
    latest.put(R20 + "data-lowrank/ft2", row(0.79));
    String partial = PruneBench.answer(latest, "resnet20/flops-0.75");
    assertEquals(
        before
            + " After the 2-epoch fine-tune so far: pruning 78.00%, low-rank 79.00% (combined not"
            + " measured).",
        partial,
        "the combined row is not fine-tuned yet");

    latest.put(R20 + "data-prune-0.75-feature-map+lowrank/ft2", row(0.805));
    String after = PruneBench.answer(latest, "resnet20/flops-0.75");
    assertTrue(after.contains("after the 2-epoch fine-tune: yes"), after);
    assertTrue(
        after.contains("+1.50 points over the better; b1 speed-up 1.20x, 1.20x, 1.20x)."), after);

    String block = PruneBench.render(latest);
    assertTrue(
        block.contains(
            "| resnet20 | 0.75 | prune 0.75 + low-rank | 600 (60.00%) | 75.00% | 80.00% | 74.00% |"
                + " 80.50% | 1.20x / 1.25x | 0 / 0 |"),
        block);
    assertTrue(block.contains(after), block);
    assertEquals("", PruneBench.answer(latest, "resnet56/flops-0.75"), "no rows, no answer");
  }

  @Test
  void rowsWithoutDataGoOnOneLine() {
    Map<String, Map<String, Object>> latest = new LinkedHashMap<>();
    for (String id : List.of("prune-l1", "lowrank", "prune-0.75+lowrank")) {
      latest.put(R20 + id, row(0.5));
    }
    String block = PruneBench.render(latest);
    assertTrue(
        block.contains(
            "top-1: resnet20 at 0.75: prune (L1) 50.00%, low-rank 50.00%, prune 0.75 (L1) +"
                + " low-rank 50.00%."),
        block);
    assertTrue(block.lines().noneMatch(l -> l.startsWith("| resnet20")), block);
  }

  @Test
  void aRefusedRowShowsItsMessageOnceBelowTheTable() {
    Map<String, Map<String, Object>> latest = new LinkedHashMap<>();
    Map<String, Object> refused = new LinkedHashMap<>();
    refused.put("exit_code", 2);
    refused.put("error", "impossible budget for pruning alone: ask for at least 0.6001");
    latest.put("resnet20/flops-0.6/prune-feature-map", refused);
    latest.put("resnet20/flops-0.6/data-lowrank", row(0.79));
    String block = PruneBench.render(latest);
    assertTrue(block.contains("| resnet20 | 0.6 | prune (feature-map) |  | refused [1] |"), block);
    assertTrue(
        block.contains(
            "Refused: [1] impossible budget for pruning alone: ask for at least 0.6001."),
        block);
  }
}
