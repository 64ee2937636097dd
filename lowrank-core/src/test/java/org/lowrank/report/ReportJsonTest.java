package org.lowrank.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lowrank.plan.Plan;
import org.lowrank.util.Json;

class ReportJsonTest {

  @SuppressWarnings("unchecked")
  private static Map<String, Object> obj(Object o) {
    return (Map<String, Object>) o;
  }

  @Test
  void keyFieldsParseBack() {
    CompressionReport r = SampleReports.resnet20(List.of());
    Map<String, Object> m = Json.parseObject(ReportJson.write(r));
    assertEquals("lowrank-report", m.get("format"));
    assertEquals(1L, m.get("version"));
    assertEquals("resnet20_cifar10", obj(m.get("model")).get("name"));
    assertEquals(List.of(-1L, 3L, 32L, 32L), obj(m.get("model")).get("input_shape"));
    assertEquals("similarity", m.get("selector"));
    assertEquals("hybrid", m.get("method"));
    assertEquals("params", obj(m.get("budget")).get("kind"));
    assertEquals(0.25, obj(m.get("budget")).get("keep"));
    assertEquals(Map.of("search", 7L, "finetune", 11L), m.get("seeds"));
    assertEquals("1.29.0", obj(m.get("versions")).get("onnxruntime"));
    assertEquals(131.5, obj(m.get("timings_seconds")).get("finetune"));

    Map<String, Object> totals = obj(m.get("totals"));
    assertEquals(r.totalBefore().params(), obj(totals.get("before")).get("params"));
    assertEquals(r.totalAfter().macs(), obj(totals.get("after")).get("macs"));
    assertEquals(r.paramsRemovedFraction(), (Double) totals.get("params_removed"), 1e-15);

    Map<String, Object> acc = obj(m.get("accuracy"));
    assertEquals(0.8236, obj(acc.get("before")).get("top1"));
    assertEquals(0.9912, obj(acc.get("before")).get("top5"));
    assertFalse(obj(acc.get("after_compression")).containsKey("top5"), "absent top-5 is left out");
    assertEquals(10_000L, obj(acc.get("after_finetune")).get("samples"));

    List<?> lat = (List<?>) m.get("latency");
    assertEquals(3, lat.size());
    assertEquals(1.524 / 0.842, (Double) obj(lat.get(0)).get("speedup"), 1e-12);
    List<?> pts = (List<?>) obj(m.get("exploration")).get("points");
    assertEquals(10, pts.size());
    assertEquals(Boolean.TRUE, obj(pts.get(4)).get("selected"));
    assertEquals(2, ((List<?>) m.get("warnings")).size());

    Map<String, Object> plan = obj(m.get("plan"));
    assertEquals("lowrank-plan", plan.get("format"));
    List<?> layers = (List<?>) plan.get("layers");
    assertEquals(r.plan().layers().size(), layers.size());
    assertEquals("/layer1/layer1.0/conv1/Conv", obj(layers.get(1)).get("layer"));
    assertEquals("tucker", obj(layers.get(1)).get("method"));
  }

  @Test
  void readGivesBackTheSameReport() {
    CompressionReport r = SampleReports.resnet20(List.of("<script>alert(1)</script>"));
    String json = ReportJson.write(r);
    CompressionReport back = ReportJson.read(json, "report.json");
    assertEquals(json, ReportJson.write(back));
    assertEquals(r.plan().layers(), back.plan().layers());
    assertEquals(r.accuracyCompressed(), back.accuracyCompressed());
    assertEquals(r.latency(), back.latency());
    assertEquals(r.explored(), back.explored());
    assertEquals(r.versions(), back.versions(), "versions of the run, not of the reader");
  }

  @Test
  void minimalReportHasEmptySectionsAndReadsBack() {
    CompressionReport r = SampleReports.minimal();
    Map<String, Object> m = Json.parseObject(ReportJson.write(r));
    assertEquals(Map.of(), m.get("accuracy"));
    assertEquals(List.of(), m.get("latency"));
    assertEquals(List.of(), m.get("warnings"));
    assertFalse(m.containsKey("created"));
    assertEquals("hybrid", m.get("method"), "tucker, cp and tt layers make a hybrid plan");
    assertTrue(obj(m.get("versions")).containsKey("java"));
    assertEquals(ReportJson.write(r), ReportJson.write(ReportJson.read(ReportJson.write(r), "x")));
  }

  @Test
  void notAReportIsNamed() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ReportJson.read(SampleReports.resnet20Plan(List.of()).toJson(), "plan.json"));
    assertTrue(e.getMessage().startsWith("plan.json: not a lowrank report"), e.getMessage());
    String broken =
        ReportJson.write(SampleReports.minimal()).replace("\"latency\": []", "\"latency\": 3");
    IllegalArgumentException e2 =
        assertThrows(IllegalArgumentException.class, () -> ReportJson.read(broken, "r.json"));
    assertTrue(
        e2.getMessage().contains("r.json: \"latency\" should be an array, found 3"),
        e2.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ReportJson.read("{", "r.json"));
  }

  @Test
  void planTreeIsThePlansOwn() {
    Plan p = SampleReports.resnet20Plan(List.of());
    CompressionReport r = CompressionReport.builder().setPlan(p).build();
    assertEquals(
        Json.write(p.toJsonTree(), 0), Json.write(ReportJson.toJsonTree(r).get("plan"), 0));
  }
}
