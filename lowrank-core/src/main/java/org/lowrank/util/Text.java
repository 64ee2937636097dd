package org.lowrank.util;

import java.util.Locale;

/**
 * Text from a model or data file made safe to print on a terminal: names in an ONNX file are
 * arbitrary strings, and an escape sequence in a node name would otherwise drive the terminal (move
 * the cursor, rewrite earlier lines, change the window title).
 */
public final class Text {
  private Text() {}

  /**
   * {@code s} with every control character (C0, DEL, C1) and Unicode format character (e.g.
   * bidirectional overrides) written as a visible {@code \}{@code uXXXX} escape; newlines too
   * unless {@code keepNewlines}. Printable text, including non-ASCII letters, is unchanged.
   */
  public static String printable(String s, boolean keepNewlines) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean unsafe =
          (Character.isISOControl(c) && !(keepNewlines && c == '\n'))
              || Character.getType(c) == Character.FORMAT;
      if (unsafe && sb == null) {
        sb = new StringBuilder(s.length() + 8).append(s, 0, i);
      }
      if (sb != null) {
        if (unsafe) {
          sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
        } else {
          sb.append(c);
        }
      }
    }
    return sb == null ? s : sb.toString();
  }

  /** {@link #printable(String, boolean)} for one-line text: newlines escaped too. */
  public static String printable(String s) {
    return printable(s, false);
  }
}
