package org.lowrank.report;

/** HTML text escaping (also valid inside SVG text and double-quoted attributes). */
final class Html {
  private Html() {}

  /**
   * Escapes {@code & < > " '} and replaces control characters other than tab and newline, which are
   * not allowed in HTML, by U+FFFD. Safe for element content and quoted attribute values.
   */
  static String escape(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c < 0x20 && c != '\n' && c != '\t' || c == 0x7f ? '\uFFFD' : c);
      }
    }
    return sb.toString();
  }
}
