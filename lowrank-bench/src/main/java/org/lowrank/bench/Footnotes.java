package org.lowrank.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Long free text of table cells moved out of the table: each distinct text gets a key {@code [n]}
 * (the same text the same key), the cell shows the key, and {@link #line} lists the texts once. Not
 * thread-safe; one instance per rendered block.
 */
final class Footnotes {
  private final List<String> texts = new ArrayList<>();

  /** The key of {@code text} ({@code [1]}, {@code [2]}, ... in order of first use); "" for "". */
  String key(String text) {
    if (text == null || text.isEmpty()) {
      return "";
    }
    int i = texts.indexOf(text);
    if (i < 0) {
      texts.add(text);
      i = texts.size() - 1;
    }
    return "[" + (i + 1) + "]";
  }

  /** "{@code label}: [1] text; [2] text." on one line ending in a newline, or "" if none. */
  String line(String label) {
    if (texts.isEmpty()) {
      return "";
    }
    List<String> items = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      items.add("[" + (i + 1) + "] " + texts.get(i));
    }
    return label + ": " + String.join("; ", items) + ".\n";
  }
}
