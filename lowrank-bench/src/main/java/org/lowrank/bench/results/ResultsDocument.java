package org.lowrank.bench.results;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RESULTS.md as data: a preamble (how it was generated, on which machine) and sections of
 * paragraphs and tables, rendered to Markdown and written atomically (temporary file in the same
 * folder, then an atomic rename), so a reader never sees a half-written file.
 */
public final class ResultsDocument {
  private final String title;
  private final List<String> preamble = new ArrayList<>();
  private final List<Section> sections = new ArrayList<>();

  /** Markdown this document starts with instead of a title and preamble (see {@link #extending}). */
  private String base;

  public ResultsDocument(String title) {
    this.title = title;
  }

  /** A document that renders {@code markdown} (an earlier RESULTS.md) followed by its sections. */
  public static ResultsDocument extending(String markdown) {
    ResultsDocument d = new ResultsDocument("");
    d.base = markdown.stripTrailing();
    return d;
  }

  /** A section: a heading, then paragraphs and tables in the order added. */
  public static final class Section {
    private final String heading;
    private final List<Object> blocks = new ArrayList<>();

    private Section(String heading) {
      this.heading = heading;
    }

    public Section paragraph(String text) {
      blocks.add(text);
      return this;
    }

    public Section table(MarkdownTable t) {
      blocks.add(t);
      return this;
    }

    /** A fenced code block (e.g. a benchmark's own table or a command). */
    public Section code(String text) {
      blocks.add(new Code(text));
      return this;
    }
  }

  private record Code(String text) {}

  public ResultsDocument paragraph(String text) {
    preamble.add(text);
    return this;
  }

  /** Key/value lines (e.g. the machine) as a bulleted list in the preamble. */
  public ResultsDocument facts(Map<String, String> facts) {
    StringBuilder sb = new StringBuilder();
    facts.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
    preamble.add(sb.toString().stripTrailing());
    return this;
  }

  public Section section(String heading) {
    Section s = new Section(heading);
    sections.add(s);
    return s;
  }

  /**
   * Adds another results file (written by another run of the bench) as a section: its title
   * becomes the section heading, its headings are demoted two levels.
   */
  public Section appendix(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return section("Appendix: " + file.getFileName()).paragraph("**could not read " + file + ": " + e + "**");
    }
    return appendix(file.getFileName().toString(), text);
  }

  /** As {@link #appendix(Path)} with the file's name and content given. */
  Section appendix(String name, String markdown) {
    StringBuilder body = new StringBuilder();
    String heading = "Appendix: " + name;
    for (String line : markdown.split("\n", -1)) {
      if (line.startsWith("# ")) {
        heading = "Appendix: " + line.substring(2).trim() + " (" + name + ")";
      } else if (line.startsWith("#")) {
        body.append("##").append(line).append('\n');
      } else {
        body.append(line).append('\n');
      }
    }
    return section(heading).paragraph(body.toString().strip());
  }

  /**
   * One markdown table made of the tables in {@code markdowns} whose header line contains {@code
   * headerMarker}: the first such header, then every body row in order, a row id (the first cell
   * like "e1/...") kept once. Rows are copied verbatim; null when no table matches.
   */
  public static String collectTable(List<String> markdowns, String headerMarker) {
    return collectTable(markdowns, java.util.Collections.nCopies(markdowns.size(), null), headerMarker);
  }

  /**
   * {@link #collectTable(List, String)}, except that a row whose id an earlier part already had but
   * whose cells differ (the same row run with other settings, e.g. more epochs) is kept too, its id
   * followed by its part's label, e.g. "e1/resnet20/cp/similarity (e1_long.md)". Rows of a part with
   * a null label, and rows whose source is "cached" (references), are still kept once.
   */
  public static String collectTable(List<String> markdowns, List<String> labels, String headerMarker) {
    String header = null;
    List<String> rows = new ArrayList<>();
    java.util.Map<String, String> seen = new java.util.HashMap<>();
    java.util.Set<String> kept = new java.util.HashSet<>();
    for (int k = 0; k < markdowns.size(); k++) {
      String md = markdowns.get(k);
      String label = labels.get(k);
      String[] lines = md.split("\n", -1);
      for (int i = 0; i + 1 < lines.length; i++) {
        if (!lines[i].startsWith("|") || !lines[i].contains(headerMarker) || !lines[i + 1].startsWith("|---")) {
          continue;
        }
        if (header == null) {
          header = lines[i] + "\n" + lines[i + 1];
        }
        for (int j = i + 2; j < lines.length && lines[j].startsWith("|")
            && !(j + 1 < lines.length && lines[j + 1].startsWith("|---")); j++) { // stop at another header
          String id = rowId(lines[j]);
          String key = id == null ? lines[j] : id;
          if (!seen.containsKey(key)) {
            seen.put(key, lines[j]);
            rows.add(lines[j]);
          } else if (id != null && label != null && !lines[j].trim().startsWith("| cached")
              && !seen.get(key).equals(lines[j]) && kept.add(id + " (" + label + ")")) {
            rows.add(lines[j].replaceFirst("\\| " + java.util.regex.Pattern.quote(id) + " \\|",
                java.util.regex.Matcher.quoteReplacement("| " + id + " (" + label + ") |")));
          }
        }
      }
    }
    return header == null ? null : header + "\n" + String.join("\n", rows);
  }

  /** The first cell of a table row that names a row (e.g. "e1/resnet20/cp/similarity"), or null. */
  private static String rowId(String row) {
    for (String cell : row.split("\\|")) {
      String c = cell.trim();
      if (c.matches("e[0-9]/\\S+") || c.startsWith("ResNet-") || c.startsWith("conv layers") || c.startsWith("FC layers")) {
        return c;
      }
    }
    return null;
  }

  public String render() {
    StringBuilder sb = base != null ? new StringBuilder(base).append("\n\n")
        : new StringBuilder("# ").append(title).append("\n\n");
    for (String p : preamble) {
      sb.append(p).append("\n\n");
    }
    for (Section s : sections) {
      sb.append("## ").append(s.heading).append("\n\n");
      for (Object b : s.blocks) {
        if (b instanceof MarkdownTable t) {
          sb.append(t.render()).append('\n');
        } else if (b instanceof Code c) {
          sb.append("```\n").append(c.text().stripTrailing()).append("\n```\n\n");
        } else {
          sb.append(b).append("\n\n");
        }
      }
    }
    return sb.toString().stripTrailing() + "\n";
  }

  /** Writes {@link #render()} to {@code file} atomically. */
  public void write(Path file) throws IOException {
    Path abs = file.toAbsolutePath();
    Path dir = abs.getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
    try {
      Files.writeString(tmp, render(), StandardCharsets.UTF_8);
      Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
