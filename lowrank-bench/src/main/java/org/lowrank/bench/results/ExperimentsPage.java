package org.lowrank.bench.results;

import static org.lowrank.bench.record.Cells.str;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.lowrank.bench.record.Cells;

/**
 * The experiments of issue 7 (and 5) as Markdown, from result records ({@code
 * results/experiments.jsonl}): per experiment one table of the latest record per id, published rows
 * first, each measured row with its date, git commit and rerun command. Settings common to every
 * record are stated once above the tables; what differs between rows is in the row id (the options
 * its command adds to the defaults).
 */
public final class ExperimentsPage {
  private ExperimentsPage() {}

  /** One table: the records it takes and the metric columns it shows. */
  record Table(
      String heading,
      String note,
      Predicate<Map<String, Object>> takes,
      List<String> columns,
      boolean mergeLastSegment) {
    Table(String heading, String note, Predicate<Map<String, Object>> takes, List<String> columns) {
      this(heading, note, takes, columns, false);
    }
  }

  static final List<Table> TABLES =
      List.of(
          new Table(
              "1. ResNet on CIFAR-10 (JPEG): methods x selectors, fine-tuned",
              "Budget: keep 22% of the parameters unless the id says otherwise (--keep-flops F: keep F of the"
                  + " FLOPs). Top-1 in %, executor; ORT = the fine-tuned model in ONNX Runtime. CIFAR-10 here is JPEG"
                  + " (quality ~75), so absolute accuracies sit below the published lossless ones: compare drops. drop ="
                  + " original - fine-tuned; drop vs reference = reference fine-tuned (`e1/MODEL/reference`, the"
                  + " original model fine-tuned with the same schedule) - row fine-tuned. Speedups: ONNX Runtime, CPU"
                  + " time of the calling thread, 1 thread, batch 1 and 32. Targets (issue 7, from RENE): params removed"
                  + " >= 77.6%, drop <= 0.4 pts, speedup >= 1.8x.",
              r -> experiment(r) == 1,
              List.of(
                  "params removed",
                  "FLOPs removed",
                  "top-1 original",
                  "compressed",
                  "fine-tuned",
                  "ORT",
                  "drop",
                  "drop vs reference",
                  "b1 speedup (CPU)",
                  "b32 speedup (CPU)",
                  "fine-tune images/s")),
          new Table(
              "2. CNN with large dense layers on Fashion-MNIST",
              "VGG-style model (DemoModels.vggStyle, trained 1 epoch on 30000 images); fc rows factorize the dense"
                  + " layers only, conv rows the convolutions only; budget as printed. Target (Kokhazadeh et al.): the"
                  + " published share of the layer type removed at < 1.5 pts drop.",
              r -> experiment(r) == 2,
              List.of(
                  "budget",
                  "FC params removed",
                  "conv params removed",
                  "model params removed",
                  "top-1 original",
                  "compressed",
                  "fine-tuned",
                  "drop",
                  "target (type)",
                  "target (drop < 1.5)")),
          new Table(
              "3. Baselines at equal budget (ResNet-20, before fine-tuning)",
              "Every method x every selector at keep 22% of the parameters; top-1 right after factorization."
                  + " Search s: CompressionPipeline.plan() alone, wall and process CPU, 2 shared cores.",
              r -> experiment(r) == 3,
              List.of(
                  "params removed",
                  "FLOPs removed",
                  "top-1 original",
                  "compressed (no fine-tuning)",
                  "drop",
                  "search wall s",
                  "search CPU s")),
          new Table(
              "4. Decomposition speed",
              "Seeded Gaussian weights, median wall and CPU milliseconds, 1 thread; one line per"
                  + " shape and method, its ranks and their values separated by /.",
              r -> str(r.get("id")).startsWith("e4/decompositions/"),
              List.of("params", "ratio", "median_ms", "cpu_ms", "rel_err"),
              true),
          new Table(
              "4. Training throughput",
              "Synthetic 3x32x32 images, SGD step forward + backward; PyTorch 1 thread.",
              r -> str(r.get("id")).startsWith("e4/throughput/"),
              List.of("batch", "train images/s", "eval images/s")),
          new Table(
              "5. Search-time goals of issue 5",
              "Planning only (CompressionPipeline.plan()), keep 22% of the"
                  + " parameters; goals: 60 s for ResNet-56 TT data-free, 300 s for the similarity searches.",
              r -> experiment(r) == 5,
              List.of(
                  "params removed (plan)",
                  "FLOPs removed (plan)",
                  "search wall s",
                  "search CPU s",
                  "goal (wall)",
                  "goal (CPU time)")));

  static int experiment(Map<String, Object> r) {
    return r.get("experiment") instanceof Number n ? n.intValue() : 0;
  }

  /** The experiments block: common settings once, then one table per {@link #TABLES} entry. */
  public static String render(Map<String, Map<String, Object>> latest, String data) {
    StringBuilder sb =
        new StringBuilder("## Experiments of issue 7\n\nGenerated by `./bench render` from `")
            .append(data)
            .append(
                "` (one JSON line per measured row: settings, machine, load, git commit, metrics;"
                    + " the latest line per id is shown, and of rows that differ only in --epochs the 2-epoch one and the longest; rows measured before the records existed were read out of the"
                    + " earlier RESULTS.md parts, `migrated_from` says which). An id is the row plus the options its"
                    + " command changed; rerun a row with its command.\n\n");
    Map<String, String> common = commonSettings(latest.values());
    if (!common.isEmpty()) {
      sb.append("Settings of every row unless its id says otherwise: ")
          .append(
              common.entrySet().stream()
                  .map(e -> e.getKey() + ": " + e.getValue())
                  .collect(Collectors.joining("; ")))
          .append(".\n\n");
    }
    for (Table t : TABLES) {
      List<Map<String, Object>> rows =
          longestFineTunes(latest.values().stream().filter(t.takes()).toList());
      if (rows.isEmpty()) {
        continue;
      }
      List<String> header = new ArrayList<>(List.of("source", "row"));
      header.addAll(t.columns());
      header.addAll(List.of("date", "git", "rerun"));
      MarkdownTable table = new MarkdownTable(header.toArray(String[]::new));
      List<List<String>> measured = new ArrayList<>();
      for (Map<String, Object> r : rows) {
        if (published(r)) {
          continue;
        }
        Map<?, ?> m = r.get("metrics") instanceof Map<?, ?> x ? x : Map.of();
        List<String> cells = new ArrayList<>();
        cells.add("measured");
        cells.add(str(r.get("id")));
        for (String c : t.columns()) {
          cells.add(
              m.get("error") != null && c.equals(t.columns().get(0))
                  ? "failed: " + m.get("error")
                  : cell(c, m.get(c)));
        }
        cells.add(str(r.get("date")).replaceFirst("T.*", ""));
        cells.add(str(r.get("git")));
        cells.add("`" + str(r.get("command")) + "`");
        measured.add(cells);
      }
      for (List<String> cells : t.mergeLastSegment() ? mergeLastSegment(measured) : measured) {
        table.add(cells.toArray(String[]::new));
      }
      sb.append("### ").append(t.heading()).append("\n\n").append(t.note()).append("\n\n");
      String published = publishedLine(rows, t.columns());
      if (!published.isEmpty()) {
        sb.append(published).append("\n\n");
      }
      sb.append(table.render()).append('\n');
    }
    return sb.toString();
  }

  private static final java.util.regex.Pattern EPOCHS =
      java.util.regex.Pattern.compile("(?:^| )--epochs[ =](\\d+)");

  /** The fine-tune length the tables compare methods at ({@code --epochs 2}). */
  static final int REFERENCE_EPOCHS = 2;

  /**
   * {@code rows} without those another row supersedes: the same id up to the order of its options
   * but fine-tuned for more {@code --epochs}, unless the row is at {@link #REFERENCE_EPOCHS} (the
   * shorter runs stay in the JSON lines).
   */
  static List<Map<String, Object>> longestFineTunes(List<Map<String, Object>> rows) {
    Map<String, Integer> longest = new java.util.HashMap<>();
    for (Map<String, Object> r : rows) {
      longest.merge(withoutEpochs(str(r.get("id"))), epochs(str(r.get("id"))), Math::max);
    }
    return rows.stream()
        .filter(
            r ->
                epochs(str(r.get("id"))) == REFERENCE_EPOCHS
                    || epochs(str(r.get("id"))) == longest.get(withoutEpochs(str(r.get("id")))))
        .toList();
  }

  private static int epochs(String id) {
    java.util.regex.Matcher m = EPOCHS.matcher(id);
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  /** The id's row and its options other than --epochs, in sorted order. */
  private static String withoutEpochs(String id) {
    String[] parts = EPOCHS.matcher(id).replaceAll("").trim().split(" ", 2);
    if (parts.length < 2) {
      return parts[0];
    }
    List<String> options = new ArrayList<>(List.of(parts[1].trim().split(" (?=--)")));
    java.util.Collections.sort(options);
    return parts[0] + " " + String.join(" ", options);
  }

  /**
   * A metric as its column shows it: text as it is; a number in the unit the column names
   * ("removed": a fraction shown in %, "speedup": a ratio with x, seconds and images/s with one
   * decimal, counts whole, the rest with two decimals); NaN as "n/a".
   */
  public static String cell(String column, Object v) {
    if (!(v instanceof Number n)) {
      return str(v);
    }
    if (Double.isNaN(n.doubleValue())) {
      return "n/a";
    }
    if (column.contains("removed")) {
      return Cells.pct(n);
    }
    if (column.contains("speedup")) {
      return Cells.fixed(n, 2) + "x";
    }
    if (n instanceof Long || n instanceof Integer) {
      return String.valueOf(n);
    }
    if (column.endsWith("images/s")
        || column.equals("wall s")
        || column.equals("median_ms")
        || column.equals("cpu_ms")) {
      return Cells.fixed(n, 1);
    }
    return Cells.fixed(n, column.equals("rel_err") ? 4 : 2);
  }

  /**
   * The published rows of a table beside ours, one line per source instead of a table row each:
   * "Published (SOURCE): ROW: column value, ...; ROW: ...", empty cells left out.
   */
  static String publishedLine(List<Map<String, Object>> rows, List<String> columns) {
    Map<String, List<String>> bySource = new LinkedHashMap<>();
    for (Map<String, Object> r : rows) {
      if (!published(r)) {
        continue;
      }
      Map<?, ?> m = r.get("metrics") instanceof Map<?, ?> x ? x : Map.of();
      List<String> values = new ArrayList<>();
      for (String c : columns) {
        String v = cell(c, m.get(c));
        if (!v.isEmpty()) {
          values.add(c + " " + v);
        }
      }
      bySource
          .computeIfAbsent(str(m.get("source")), k -> new ArrayList<>())
          .add(
              str(r.get("id")).replaceFirst("^published/e\\d/", "")
                  + (values.isEmpty() ? "" : ": " + String.join(", ", values)));
    }
    return bySource.entrySet().stream()
        .map(
            e ->
                (e.getKey().startsWith("published (")
                        ? "P" + e.getKey().substring(1)
                        : "Published (" + e.getKey() + ")")
                    + ": "
                    + String.join("; ", e.getValue())
                    + ".")
        .collect(Collectors.joining("\n\n"));
  }

  /**
   * Rows whose ids differ only in their last path segment (the ranks of one shape and method), in
   * one row each: id {@code PREFIX/[A] / [B]}, every other cell "a / b", or once where all agree.
   * Consecutive rows only; nothing is dropped.
   */
  static List<List<String>> mergeLastSegment(List<List<String>> rows) {
    List<List<List<String>>> groups = new ArrayList<>();
    String prefix = null;
    for (List<String> row : rows) {
      String id = row.get(1);
      String p = id.substring(0, id.lastIndexOf('/') + 1);
      if (!p.equals(prefix) || groups.isEmpty()) {
        groups.add(new ArrayList<>());
        prefix = p;
      }
      groups.get(groups.size() - 1).add(row);
    }
    List<List<String>> merged = new ArrayList<>();
    for (List<List<String>> g : groups) {
      List<String> cells = new ArrayList<>();
      for (int i = 0; i < g.get(0).size(); i++) {
        final int col = i;
        List<String> values = g.stream().map(r -> r.get(col)).toList();
        if (col == 1) {
          String id = values.get(0);
          cells.add(
              id.substring(0, id.lastIndexOf('/') + 1)
                  + values.stream()
                      .map(v -> v.substring(v.lastIndexOf('/') + 1))
                      .collect(Collectors.joining(" / ")));
        } else {
          cells.add(
              values.stream().distinct().count() == 1 ? values.get(0) : String.join(" / ", values));
        }
      }
      merged.add(cells);
    }
    return merged;
  }

  private static boolean published(Map<String, Object> r) {
    return str(r.get("id")).startsWith("published/");
  }

  /** Settings entries with the same value in every measured record that has settings. */
  static Map<String, String> commonSettings(java.util.Collection<Map<String, Object>> records) {
    List<Map<?, ?>> all =
        records.stream()
            .filter(r -> r.get("settings") instanceof Map<?, ?>)
            .map(r -> (Map<?, ?>) r.get("settings"))
            .collect(Collectors.toList());
    Map<String, String> common = new LinkedHashMap<>();
    if (all.isEmpty()) {
      return common;
    }
    for (Map.Entry<?, ?> e : all.get(0).entrySet()) {
      String v = str(e.getValue());
      if (all.stream().allMatch(s -> v.equals(str(s.get(e.getKey()))))) {
        common.put(str(e.getKey()), v);
      }
    }
    return common;
  }
}
