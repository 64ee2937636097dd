package org.lowrank.bench.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.bench.ResultsPage;
import org.lowrank.bench.record.ResultLog;
import picocli.CommandLine;

/**
 * {@code ./bench results}: options, row ids and rerun commands, and rows appended as JSON lines.
 */
class ResultsCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = new CommandLine(new ResultsCommand(w -> w.println("rendered")));
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }

  /** The options after parsing, as the command fills them (no row is run). */
  private static ResultsOptions parsed(String... args) {
    ResultsCommand c = new ResultsCommand(w -> {});
    CommandLine cl = new CommandLine(c);
    CommandLine.ParseResult p = cl.parseArgs(args);
    c.options.validate();
    ResultsCommand.given(c.options, p.matchedOptions());
    return c.options;
  }

  @Test
  void badValuesAreUsageErrorsNamingTheOption() {
    assertEquals(2, run("--experiments", "6"));
    assertTrue(
        err.toString().contains("--experiments: expected numbers 1..5, found 6"), err.toString());
    assertEquals(2, run("--keep-flops", "1.5"));
    assertEquals(2, run("--methods", "tucker,svd"));
    assertEquals(2, run("--models", "vgg"));
    assertEquals(2, run("--bogus"));
    assertTrue(err.toString().contains("--keep-flops: expected a fraction in (0, 1), found 1.5"));
  }

  @Test
  void helpListsEveryOption() {
    assertEquals(0, run("--help"));
    for (String o :
        List.of(
            "--experiments",
            "--only",
            "--epochs",
            "--keep-flops",
            "--prune-latency",
            "--refit",
            "--kd-weight",
            "--data",
            "--quick")) {
      assertTrue(out.toString().contains(o), o + " missing from --help");
    }
  }

  @Test
  void rowIdsCarryTheOptionsThatChangeTheNumbersAndCommandsRerunOneRow() {
    ResultsOptions o =
        parsed(
            "--epochs",
            "2",
            "--threads",
            "1",
            "--prune-latency",
            "--keep-flops",
            "0.22",
            "--experiments",
            "1");
    Experiment e =
        Experiments.of(o).stream()
            .filter(x -> x.row().startsWith("e1/resnet20/cp/similarity"))
            .findFirst()
            .orElseThrow();
    assertEquals("e1/resnet20/cp/similarity/keep-flops-0.22/pruned-1.0", e.row());
    assertEquals(
        "e1/resnet20/cp/similarity/keep-flops-0.22/pruned-1.0 --epochs 2 --prune-latency=1.0"
            + " --keep-flops 0.22",
        e.id());
    assertEquals(
        "./bench results --epochs 2 --threads 1 --prune-latency=1.0 --keep-flops 0.22"
            + " --experiments 1 --only e1/resnet20/cp/similarity/keep-flops-0.22/pruned-1.0",
        e.command());
    assertEquals(0.22, e.budget().keepFraction(), 1e-12);
    assertEquals(
        List.of("e1/resnet20/reference --epochs 2", "e1/resnet20/cp/datafree --epochs 2"),
        Experiments.of(
                parsed(
                    "--methods",
                    "cp",
                    "--selectors",
                    "datafree",
                    "--epochs",
                    "2",
                    "--experiments",
                    "1"))
            .stream()
            .map(Experiment::id)
            .toList(),
        "row filters pick rows; they are not part of the ids");
    // the rerun command selects exactly this row
    ResultsOptions again = parsed(e.command().replaceFirst("^\\./bench results ", "").split(" "));
    assertEquals(List.of(e.id()), Experiments.of(again).stream().map(Experiment::id).toList());
    // ... also when its name is the start of another row's
    Experiment hybrid =
        Experiments.of(parsed("--experiments", "2")).stream()
            .filter(x -> x.row().equals("e2/vgg/conv/hybrid"))
            .findFirst()
            .orElseThrow();
    assertEquals(
        List.of("e2/vgg/conv/hybrid"),
        Experiments.of(parsed(hybrid.command().replaceFirst("^\\./bench results ", "").split(" ")))
            .stream()
            .map(Experiment::id)
            .toList());
    assertEquals(
        2,
        Experiments.of(parsed("--only", "e2/vgg/conv/hy")).size(),
        "text that names no row picks every row containing it");
  }

  @Test
  void everyRecordedRerunCommandSelectsTheRowItMeasured() throws Exception {
    Path data = Path.of("").toAbsolutePath().getParent().resolve(ResultsPage.EXPERIMENTS);
    int checked = 0;
    for (Map<String, Object> r : new ResultLog(data).rows()) {
      String command = String.valueOf(r.get("command"));
      if (!command.startsWith("./bench results ")) {
        continue; // published rows, and rows of other benchmarks
      }
      List<String> args = new ArrayList<>();
      Matcher m = Pattern.compile("'([^']*)'|(\\S+)").matcher(command.substring(16));
      while (m.find()) {
        args.add(m.group(1) != null ? m.group(1) : m.group(2));
      }
      List<String> ids =
          Experiments.of(parsed(args.toArray(String[]::new))).stream().map(Experiment::id).toList();
      assertTrue(ids.contains(r.get("id")), command + " runs " + ids + ", not " + r.get("id"));
      checked++;
    }
    assertTrue(checked > 100, checked + " rows checked");
  }

  @Test
  void theDefaultRunHasEveryExperimentCoreRowsFirst() {
    List<Experiment> rows = Experiments.of(parsed());
    assertEquals(
        List.of(1, 2, 3, 4, 5), rows.stream().map(Experiment::number).distinct().sorted().toList());
    assertEquals("e1/resnet20/reference", rows.get(0).id());
    int firstLate =
        rows.indexOf(
            rows.stream().filter(e -> !Experiments.core(e.row())).findFirst().orElseThrow());
    assertTrue(
        rows.subList(firstLate, rows.size()).stream().noneMatch(e -> Experiments.core(e.row())));
    assertEquals(
        rows.size(), rows.stream().map(Experiment::id).distinct().count(), "ids are unique");
    assertTrue(Experiments.core("e3/resnet20/cp/vbmf"));
    assertFalse(Experiments.core("e5/resnet56/hybrid/similarity"));
    assertFalse(Experiments.core("e1/resnet20/cp/similarity"));
    assertEquals(
        List.of(1, 3),
        Experiments.of(parsed("--quick", "--experiments", "1,3")).stream()
            .map(Experiment::number)
            .distinct()
            .toList());
  }

  @Test
  void decompositionRowsAreAppendedAsJsonLinesWithTheirRerunCommand(@TempDir Path dir)
      throws Exception {
    Path data = dir.resolve("experiments.jsonl");
    assertEquals(
        0,
        run("--experiments", "4", "--only", "e4/decompositions", "--data", data.toString()),
        err.toString());
    List<Map<String, Object>> rows = new ResultLog(data).rows();
    // --quick's 3 cases: the conv cases get 4 methods x ranks 8, 32 (some infeasible), the dense
    // one 4
    assertTrue(rows.size() >= 10, rows.size() + " rows");
    Map<String, Object> first = rows.get(0);
    assertEquals("e4/decompositions/64x64x3x3/tucker2-hosvd/[8,8]", first.get("id"));
    assertEquals(4, ((Number) first.get("experiment")).intValue());
    assertEquals("./bench results --experiments 4 --only e4/decompositions", first.get("command"));
    for (String k : List.of("git", "date", "cores", "settings")) {
      assertTrue(first.containsKey(k), k);
    }
    Map<?, ?> m = (Map<?, ?>) first.get("metrics");
    // Tucker-2 with ranks (8, 8) of a 64x64x3x3 kernel: 64*8*2 + 8*8*9 parameters
    assertEquals(1600, ((Number) m.get("params")).intValue());
    double relErr = ((Number) m.get("rel_err")).doubleValue();
    assertTrue(relErr > 0.5 && relErr < 1, "a Gaussian kernel at rank 8 keeps little: " + relErr);
    assertFalse(out.toString().contains("rendered"), "a scratch --data never renders RESULTS.md");
    String md = ExperimentsPage.render(new ResultLog(data).latest(), data.toString());
    // both ranks of one shape and method on one line: (8, 8) and (32, 32), 64*32*2 + 32*32*9
    assertTrue(
        md.contains(
            "| measured | e4/decompositions/64x64x3x3/tucker2-hosvd/[8,8] / [32,32] | 1600 / 13312 |"),
        md);
  }

  @Test
  void aRowThatFailsIsRecordedWithItsError(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("experiments.jsonl");
    assertEquals(
        0,
        run(
            "--experiments",
            "5",
            "--only",
            "e5/resnet20",
            "--data-root",
            dir.resolve("none").toString(),
            "--data",
            data.toString()));
    List<Map<String, Object>> rows = new ResultLog(data).rows();
    assertEquals(1, rows.size());
    Map<?, ?> m = (Map<?, ?>) rows.get(0).get("metrics");
    assertTrue(String.valueOf(m.get("error")).contains("model.onnx"), String.valueOf(m));
  }
}
