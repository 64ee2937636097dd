package org.lowrank.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lowrank.report.CompressionReport.Accuracy;
import org.lowrank.report.CompressionReport.Latency;

/** A few aligned plain-text lines summarizing a report, for the CLI's standard output. */
public final class ReportText {
  private static final int LABEL_WIDTH = 10;

  private ReportText() {}

  /**
   * The summary: model, plan, parameters, FLOPs, accuracy (when measured), latency rows (when
   * measured), total time and warnings, one labelled line each; ends with a newline. ASCII only.
   */
  public static String summary(CompressionReport r) {
    List<String[]> lines = new ArrayList<>();
    String model = r.modelName();
    if (!r.modelPath().isEmpty() && !r.modelPath().equals(model)) {
      model += " (" + r.modelPath() + ")";
    }
    if (r.inputShape().length > 0) {
      model += ", input " + Fmt.shape(r.inputShape(), "x");
    }
    lines.add(new String[] {"model", model});
    lines.add(
        new String[] {
          "plan",
          r.selector()
              + " selector, "
              + r.method()
              + ", budget "
              + r.budget()
              + "; "
              + r.factorizedLayerCount()
              + " of "
              + r.plan().layers().size()
              + " layers factorized"
        });
    r.plan().rankGrid().ifPresent(g -> lines.add(new String[] {"ranks", g}));
    r.pruning().ifPresent(p -> lines.addAll(pruningLines(p)));
    lines.add(
        new String[] {
          "params",
          Fmt.count(r.totalBefore().params())
              + " -> "
              + Fmt.count(r.totalAfter().params())
              + "  ("
              + Fmt.percent(-r.paramsRemovedFraction(), 1)
              + ", "
              + Fmt.speedup(r.compressionRatio())
              + " smaller)"
        });
    lines.add(
        new String[] {
          "FLOPs",
          Fmt.compact(2.0 * r.totalBefore().macs())
              + " -> "
              + Fmt.compact(2.0 * r.totalAfter().macs())
              + "  ("
              + Fmt.percent(-r.flopsRemovedFraction(), 1)
              + ")"
        });
    accuracyLine(r).ifPresent(lines::add);
    String label = "latency";
    for (Latency l : r.latency()) {
      lines.add(
          new String[] {
            label,
            "batch "
                + l.batchSize()
                + ", "
                + l.threads()
                + (l.threads() == 1 ? " thread: " : " threads: ")
                + Fmt.millis(l.originalMillis())
                + " -> "
                + Fmt.millis(l.compressedMillis())
                + "  ("
                + Fmt.speedup(l.speedup())
                + ")"
                + measured(l)
          });
      label = "";
    }
    if (!r.timingsSeconds().isEmpty()) {
      double total = r.timingsSeconds().values().stream().mapToDouble(Double::doubleValue).sum();
      StringBuilder sb = new StringBuilder(Fmt.seconds(total)).append(" (");
      String sep = "";
      for (Map.Entry<String, Double> e : r.timingsSeconds().entrySet()) {
        sb.append(sep).append(e.getKey()).append(' ').append(Fmt.seconds(e.getValue()));
        sep = ", ";
      }
      lines.add(new String[] {"time", sb.append(')').toString()});
    }
    r.fidelity()
        .ifPresent(
            f -> {
              lines.add(new String[] {"fidelity", f.verdict()});
              if (!f.passed()) {
                String l = "worst";
                for (CompressionReport.LayerError e : f.worstLayers()) {
                  lines.add(
                      new String[] {
                        l,
                        String.format(
                            java.util.Locale.ROOT,
                            "%s: relative error %.4f in -> %.4f out",
                            e.layer(),
                            e.inputError(),
                            e.outputError())
                      });
                  l = "";
                }
                l = "try";
                for (String a : f.advice()) {
                  lines.add(new String[] {l, a});
                  l = "";
                }
              }
            });
    label = "warning";
    for (String w : r.warnings()) {
      lines.add(new String[] {label, w});
      label = "";
    }
    StringBuilder out = new StringBuilder();
    for (String[] l : lines) {
      out.append(String.format("%-" + LABEL_WIDTH + "s  %s%n", l[0], oneLine(l[1])));
    }
    return out.toString();
  }

  /** Pruned groups listed one per line up to this many, then counted. */
  static final int LISTED_GROUPS = 12;

  /**
   * The pruned channel groups ("members: before -> after ch"), then the groups kept whole, one line
   * per reason with a count and the first group.
   */
  static List<String[]> pruningLines(CompressionReport.Pruning p) {
    List<String[]> lines = new ArrayList<>();
    List<CompressionReport.PrunedGroup> pruned = p.pruned();
    lines.add(
        new String[] {
          "pruned",
          pruned.size()
              + " of "
              + p.groups().size()
              + " channel groups ("
              + p.criterion()
              + (Double.isNaN(p.keep()) ? "" : ", keep " + Fmt.percent(p.keep(), 0))
              + ")"
        });
    for (int i = 0; i < pruned.size(); i++) {
      if (i == LISTED_GROUPS) {
        lines.add(new String[] {"", "... and " + (pruned.size() - i) + " more pruned groups"});
        break;
      }
      CompressionReport.PrunedGroup g = pruned.get(i);
      lines.add(
          new String[] {
            "",
            members(g)
                + ": "
                + g.channelsBefore()
                + " -> "
                + g.channelsAfter()
                + " channels"
                + (g.note().isEmpty() ? "" : " (" + g.note() + ")")
          });
    }
    String label = "kept";
    for (Map.Entry<String, List<CompressionReport.PrunedGroup>> e : p.keptByReason().entrySet()) {
      List<CompressionReport.PrunedGroup> kept = e.getValue();
      lines.add(
          new String[] {
            label,
            kept.size()
                + (kept.size() == 1 ? " group: " : " groups: ")
                + e.getKey()
                + " (e.g. "
                + members(kept.get(0))
                + ", "
                + kept.get(0).channelsBefore()
                + " channels)"
          });
      label = "";
    }
    return lines;
  }

  /** A group's members: up to three node names, then how many more. */
  private static String members(CompressionReport.PrunedGroup g) {
    List<String> m = g.members();
    if (m.isEmpty()) {
      return "(no producer)";
    }
    return m.size() <= 3
        ? String.join(", ", m)
        : String.join(", ", m.subList(0, 2)) + " +" + (m.size() - 2) + " more";
  }

  private static Optional<String[]> accuracyLine(CompressionReport r) {
    List<String> parts = new ArrayList<>();
    r.accuracyBefore().ifPresent(a -> parts.add(Fmt.percent(a.top1(), 2) + " original"));
    r.accuracyCompressed().ifPresent(a -> parts.add(Fmt.percent(a.top1(), 2) + " compressed"));
    r.accuracyFinetuned().ifPresent(a -> parts.add(Fmt.percent(a.top1(), 2) + " fine-tuned"));
    if (parts.isEmpty()) {
      return Optional.empty();
    }
    StringBuilder sb = new StringBuilder(String.join(" -> ", parts));
    Accuracy any = r.accuracyFinal().or(r::accuracyBefore).orElseThrow();
    sb.append("  (");
    if (r.accuracyBefore().isPresent() && r.accuracyFinal().isPresent()) {
      sb.append(Fmt.points(r.accuracyFinal().get().top1() - r.accuracyBefore().get().top1()))
          .append("; ");
    }
    sb.append(any.dataset().isEmpty() ? "" : any.dataset() + ", ")
        .append(Fmt.count(any.samples()))
        .append(" samples)");
    return Optional.of(new String[] {"top-1", sb.toString()});
  }

  /** Control characters (e.g. newlines in a layer or file name) would break the alignment. */
  private static String oneLine(String s) {
    return s.replaceAll("\\p{Cntrl}", " ");
  }

  /** What a latency row measured: ", 35 runs, median within 1.2%" (empty when not recorded). */
  private static String measured(Latency l) {
    if (l.runs() == 0) {
      return "";
    }
    return ", "
        + l.runs()
        + " runs"
        + (Double.isFinite(l.medianSpread())
            ? String.format(java.util.Locale.ROOT, ", median within %.1f%%", 100 * l.medianSpread())
            : "");
  }
}
