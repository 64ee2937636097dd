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

  public ResultsDocument(String title) {
    this.title = title;
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

  public String render() {
    StringBuilder sb = new StringBuilder("# ").append(title).append("\n\n");
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
