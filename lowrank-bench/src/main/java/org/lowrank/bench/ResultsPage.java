package org.lowrank.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.lowrank.bench.record.MarkedBlock;
import org.lowrank.bench.record.ResultLog;
import org.lowrank.bench.results.ExperimentsPage;
import org.lowrank.util.AtomicFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * RESULTS.md, generated: a short preamble, then one marked block per result file under {@code
 * results/} ({@code trust.jsonl}, {@code real.jsonl}, {@code experiments.jsonl}, {@code
 * accuracy.jsonl} beside the trust file), each the latest record per id. The benchmarks that
 * measure a file rewrite only their own block. The figures the README quotes ({@link #FIGURES}) are
 * rendered into its {@code <!-- figures:begin/end -->} block.
 */
public final class ResultsPage {
  public static final Path EXPERIMENTS = Path.of("results", "experiments.jsonl");
  static final String EXPERIMENTS_BLOCK = "experiments";

  static final String FIGURES_BLOCK = "figures";

  private ResultsPage() {}

  /**
   * The line under a block's table instead of a list of every row's commands: how to measure one
   * row again, and where the exact {@code ./lowrank} commands of each row are kept.
   */
  static String rerunLine(String bench, Path data) {
    return "\nRerun one row: `./bench "
        + bench
        + " --only ID`; the `./lowrank` commands of each row (OUT = any scratch folder) are the"
        + " `command` fields of its line in `"
        + data
        + "`.\n";
  }

  /**
   * A figure the README quotes: a label, the result file and row id it comes from, and the fields
   * shown (top-level keys of the record, or cells of its {@code metrics}).
   */
  record Figure(String label, Path data, String id, List<String> fields) {}

  /**
   * The README's figures, each read from its row; the README holds them between figures markers.
   */
  static final List<Figure> FIGURES =
      List.of(
          new Figure(
              "`compress` defaults, ResNet-20",
              TrustBench.DATA,
              "default/resnet20",
              List.of(
                  "params_removed",
                  "top1_original",
                  "top1_written",
                  "test_agreement",
                  "speedup_b1")),
          new Figure(
              "`compress` defaults, ResNet-56",
              TrustBench.DATA,
              "default/resnet56",
              List.of(
                  "params_removed",
                  "top1_original",
                  "top1_written",
                  "test_agreement",
                  "speedup_b1")),
          new Figure(
              "ResNet-20, `--keep-latency 0.5 --keep-params 0.22`, no fine-tuning",
              SpeedBench.DATA,
              "b/resnet20-kl05",
              List.of(
                  "params_removed",
                  "speedup_cpu_b1",
                  "speedup_cpu_b32",
                  "top1_original",
                  "top1_compressed")),
          new Figure(
              "ResNet-56, `--keep-latency 0.5 --keep-params 0.22`, no fine-tuning",
              SpeedBench.DATA,
              "b/resnet56-kl05",
              List.of(
                  "params_removed",
                  "speedup_cpu_b1",
                  "speedup_cpu_b32",
                  "top1_original",
                  "top1_compressed")),
          new Figure(
              "ResNet-20, the same, then the 2-epoch fine-tune",
              SpeedBench.DATA,
              "d/resnet20-kl05-ft2",
              List.of(
                  "params_removed",
                  "speedup_cpu_b1",
                  "speedup_cpu_b32",
                  "top1_original",
                  "top1_finetuned")),
          new Figure(
              "ResNet-56, the same, then the 2-epoch fine-tune",
              SpeedBench.DATA,
              "d/resnet56-kl05-ft2",
              List.of(
                  "params_removed",
                  "speedup_cpu_b1",
                  "speedup_cpu_b32",
                  "top1_original",
                  "top1_finetuned")),
          new Figure(
              "PP-OCRv4 recognizer, energy, keep 50% with 1x1 convs",
              RealBench.DATA,
              "real/ppocr-v4-rec/energy50-pointwise",
              List.of("exit_code", "params_removed", "output_error")));

  /** The figures block: one line per figure, its values and the RESULTS.md row they come from. */
  static String figures(Map<Path, Map<String, Map<String, Object>>> latest) {
    StringBuilder sb =
        new StringBuilder("| figure | values | row in RESULTS.md |\n|---|---|---|\n");
    for (Figure f : FIGURES) {
      Map<String, Object> r = latest.getOrDefault(f.data(), Map.of()).get(f.id());
      List<String> values = new java.util.ArrayList<>();
      for (String field : f.fields()) {
        boolean top = r != null && r.containsKey(field);
        Object v =
            r == null
                ? null
                : top
                    ? r.get(field)
                    : r.get("metrics") instanceof Map<?, ?> m ? m.get(field) : null;
        String shown = top ? shown(field, v) : ExperimentsPage.cell(field, v);
        values.add(field.replace('_', ' ') + " " + (v == null ? "n/a" : shown));
      }
      sb.append("| ")
          .append(f.label())
          .append(" | ")
          .append(r == null ? "not measured yet" : String.join(", ", values))
          .append(" | `")
          .append(f.id())
          .append("` (")
          .append(f.data())
          .append(") |\n");
    }
    return sb.toString();
  }

  /** A record's value as the README shows it: fractions of top-level fields as percentages. */
  private static String shown(String field, Object v) {
    if (v instanceof Number n
        && (field.contains("removed") || field.contains("top1") || field.contains("agreement"))) {
      return org.lowrank.bench.record.Cells.pct(n);
    }
    if (v instanceof Number && field.startsWith("speedup")) {
      return org.lowrank.bench.record.Cells.fixed(v, 2) + "x";
    }
    if (v instanceof Long || v instanceof Integer) {
      return String.valueOf(v);
    }
    return v instanceof Number ? org.lowrank.bench.record.Cells.fixed(v, 4) : String.valueOf(v);
  }

  /** Replaces the figures block of {@code readme} if it has the markers; true when it did. */
  static boolean renderFigures(Path readme, ResultLog... logs) throws IOException {
    if (!Files.exists(readme)
        || !Files.readString(readme).contains(MarkedBlock.begin(FIGURES_BLOCK))) {
      return false;
    }
    Map<Path, Map<String, Map<String, Object>>> latest = new java.util.HashMap<>();
    for (ResultLog l : logs) {
      latest.put(l.file(), l.latest());
    }
    MarkedBlock.write(readme, FIGURES_BLOCK, figures(latest));
    return true;
  }

  /**
   * A results file and its block of RESULTS.md: the marker name, the file (relative to the
   * repository root) and the renderer of its latest line per id.
   */
  public record Block(
      String name, Path data, Function<Map<String, Map<String, Object>>, String> render) {}

  /**
   * The blocks of RESULTS.md, in page order. A benchmark that records its own results file adds one
   * line here: {@code new Block("NAME", Path.of("results", "NAME.jsonl"), MyBench::render)}.
   */
  public static final List<Block> BLOCKS =
      List.of(
          new Block(TrustBench.BLOCK, TrustBench.DATA, TrustBench::block),
          new Block(RealBench.BLOCK, RealBench.DATA, RealBench::render),
          new Block(
              EXPERIMENTS_BLOCK,
              EXPERIMENTS,
              latest -> ExperimentsPage.render(latest, EXPERIMENTS.toString())),
          new Block(CpPeersBench.BLOCK, CpPeersBench.DATA, CpPeersBench::render),
          new Block(BigModelBench.BLOCK, BigModelBench.DATA, BigModelBench::render),
          new Block(SpeedBench.BLOCK, SpeedBench.DATA, SpeedBench::render),
          new Block(PruneBench.BLOCK, PruneBench.DATA, PruneBench::render),
          new Block(AccuracyBench.BLOCK, AccuracyBench.DATA, AccuracyBench::block),
          new Block(GpuBench.BLOCK, GpuBench.DATA, GpuBench::render));

  /** The whole document from the results files under {@code root} (the repository root). */
  static String document(Path root) throws IOException {
    StringBuilder doc =
        new StringBuilder(
            "# lowrank results\n\n"
                + "Generated by `./bench render` from the JSON lines under `results/`; do not edit by hand. Every "
                + "row was measured by the command next to it (settings, machine, load and git commit are in its "
                + "line); rows labelled published are copied from the papers. Findings on real pretrained models "
                + "are in `results/real-models.md`.\n\n");
    for (int i = 0; i < BLOCKS.size(); i++) {
      Block b = BLOCKS.get(i);
      doc.append(i == 0 ? "" : "\n\n")
          .append(
              MarkedBlock.wrap(
                  b.name(), b.render().apply(new ResultLog(root.resolve(b.data())).latest())));
    }
    return doc.append("\n").toString();
  }

  /** Rewrites RESULTS.md (and the README figures) in the working directory from the files there. */
  public static void renderDefault(PrintWriter out) {
    try {
      writeAll(Path.of("RESULTS.md"), Path.of("README.md"), out);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Writes RESULTS.md from the results files in the working directory and, where README.md has the
   * figures markers, its figures block.
   */
  static void writeAll(Path results, Path readme, PrintWriter out) throws IOException {
    AtomicFiles.writeString(results, document(Path.of("")));
    out.println(
        "rendered "
            + results
            + " from "
            + BLOCKS.stream().map(b -> b.data().toString()).collect(Collectors.joining(", ")));
    if (renderFigures(
        readme, BLOCKS.stream().map(b -> new ResultLog(b.data())).toArray(ResultLog[]::new))) {
      out.println("rendered the figures block of " + readme);
    }
    out.flush();
  }

  /** {@code ./bench render}: rewrites RESULTS.md from the result files. */
  @Command(
      name = "render",
      mixinStandardHelpOptions = true,
      description = "Regenerate RESULTS.md from results/*.jsonl (the latest line per row id).")
  static final class Render implements Callable<Integer> {
    @Option(
        names = "--results",
        paramLabel = "FILE",
        description = "File to write (default: ${DEFAULT-VALUE}).")
    Path results = Path.of("RESULTS.md");

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--readme",
        paramLabel = "FILE",
        description =
            "README whose <!-- figures:begin/end --> block is rewritten, if it has one (default: ${DEFAULT-VALUE}).")
    Path readme = Path.of("README.md");

    @Override
    public Integer call() throws IOException {
      writeAll(results, readme, spec.commandLine().getOut());
      return 0;
    }
  }
}
