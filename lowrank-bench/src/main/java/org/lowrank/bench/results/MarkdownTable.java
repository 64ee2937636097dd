package org.lowrank.bench.results;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A GitHub-flavoured Markdown table: a header and rows of the same width. Cells are escaped ({@code
 * |} becomes {@code \|}, line breaks become spaces) so any text stays inside its cell.
 */
public final class MarkdownTable {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  public MarkdownTable(String... header) {
    if (header.length == 0) {
      throw new IllegalArgumentException("a Markdown table needs at least one column");
    }
    this.header = List.of(header);
  }

  /**
   * Appends a row.
   *
   * @throws IllegalArgumentException when the row does not have one cell per column
   */
  public MarkdownTable add(String... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException(
          "row has "
              + cells.length
              + " cells but the table has "
              + header.size()
              + " columns "
              + header
              + ": "
              + Arrays.toString(cells));
    }
    rows.add(List.of(Arrays.stream(cells).map(c -> c == null ? "" : c).toArray(String[]::new)));
    return this;
  }

  public int rowCount() {
    return rows.size();
  }

  /** The table, one line per row, each line ending with a newline. */
  public String render() {
    StringBuilder sb = new StringBuilder();
    line(sb, header);
    sb.append('|');
    for (int i = 0; i < header.size(); i++) {
      sb.append("---|");
    }
    sb.append('\n');
    for (List<String> r : rows) {
      line(sb, r);
    }
    return sb.toString();
  }

  private static void line(StringBuilder sb, List<String> cells) {
    sb.append('|');
    for (String c : cells) {
      sb.append(' ').append(escape(c)).append(" |");
    }
    sb.append('\n');
  }

  /** Escapes a cell: pipes are backslashed, line breaks become spaces. */
  static String escape(String cell) {
    return cell.replace("|", "\\|").replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
  }
}
