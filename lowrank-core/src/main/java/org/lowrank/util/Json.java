package org.lowrank.util;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small JSON codec for plans and reports, so lowrank-core needs no JSON library. Values map to
 * Java as: object = {@code Map<String,Object>} (insertion order kept), array = {@code
 * List<Object>}, string = {@code String}, number = {@code Long} when integral else {@code Double},
 * {@code Boolean}, null. Writing also accepts any {@link Number}, {@code int[]}, {@code long[]},
 * {@code double[]} and {@link Enum} (written as its lower-case name).
 */
public final class Json {
  /**
   * Deepest nesting of objects and arrays {@link #parse} accepts; plans and reports use 4 levels.
   * Deeper input is rejected with a message instead of overflowing the parser's stack.
   */
  public static final int MAX_DEPTH = 256;

  private Json() {}

  /** Serializes a value; {@code indent > 0} pretty-prints with that many spaces per level. */
  public static String write(Object value, int indent) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, indent, 0);
    return sb.toString();
  }

  /** Parses a JSON text; throws IllegalArgumentException with the offset on malformed input. */
  public static Object parse(String text) {
    Parser p = new Parser(text);
    p.skipWs();
    Object v = p.value();
    p.skipWs();
    if (p.pos != text.length()) {
      throw p.error("unexpected trailing content");
    }
    return v;
  }

  /** Parses a JSON object (throws if the text is another kind of value). */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text) {
    Object v = parse(text);
    if (!(v instanceof Map)) {
      throw new IllegalArgumentException("expected a JSON object, found " + kind(v));
    }
    return (Map<String, Object>) v;
  }

  static String kind(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Map) {
      return "object";
    }
    if (v instanceof List) {
      return "array";
    }
    return v instanceof String ? "string" : v instanceof Boolean ? "boolean" : "number";
  }

  private static void write(StringBuilder sb, Object v, int indent, int level) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof String s) {
      quote(sb, s);
    } else if (v instanceof Boolean
        || v instanceof Long
        || v instanceof Integer
        || v instanceof Short
        || v instanceof Byte) {
      sb.append(v);
    } else if (v instanceof Number n) {
      double d = n.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        sb.append("null");
      } else {
        sb.append(Double.toString(d)); // shortest text that reads back to the same double
      }
    } else if (v instanceof Enum<?> e) {
      quote(sb, e.name().toLowerCase(Locale.ROOT));
    } else if (v instanceof Map<?, ?> m) {
      sb.append('{');
      Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
      boolean first = true;
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        if (!first) {
          sb.append(',');
        }
        first = false;
        newline(sb, indent, level + 1);
        quote(sb, String.valueOf(e.getKey()));
        sb.append(indent > 0 ? ": " : ":");
        write(sb, e.getValue(), indent, level + 1);
      }
      if (!first) {
        newline(sb, indent, level);
      }
      sb.append('}');
    } else if (v instanceof Iterable<?> l) {
      writeArray(sb, l, indent, level);
    } else if (v instanceof int[] a) {
      List<Object> l = new ArrayList<>();
      for (int x : a) {
        l.add((long) x);
      }
      writeArray(sb, l, indent, level);
    } else if (v instanceof long[] a) {
      List<Object> l = new ArrayList<>();
      for (long x : a) {
        l.add(x);
      }
      writeArray(sb, l, indent, level);
    } else if (v instanceof double[] a) {
      List<Object> l = new ArrayList<>();
      for (double x : a) {
        l.add(x);
      }
      writeArray(sb, l, indent, level);
    } else {
      quote(sb, v.toString());
    }
  }

  private static void writeArray(StringBuilder sb, Iterable<?> l, int indent, int level) {
    sb.append('[');
    boolean first = true;
    boolean scalars = true;
    for (Object o : l) {
      scalars &= !(o instanceof Map || o instanceof Iterable);
    }
    int ind = scalars ? 0 : indent;
    for (Object o : l) {
      if (!first) {
        sb.append(ind > 0 ? "," : scalars && indent > 0 ? ", " : ",");
      }
      first = false;
      newline(sb, ind, level + 1);
      write(sb, o, indent, level + 1);
    }
    if (!first) {
      newline(sb, ind, level);
    }
    sb.append(']');
  }

  private static void newline(StringBuilder sb, int indent, int level) {
    if (indent > 0) {
      sb.append('\n').append(" ".repeat(indent * level));
    }
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  private static final class Parser {
    private final String s;
    private int pos;
    private int depth;

    Parser(String s) {
      this.s = s;
    }

    IllegalArgumentException error(String what) {
      int line = 1;
      int col = 1;
      for (int i = 0; i < Math.min(pos, s.length()); i++) {
        if (s.charAt(i) == '\n') {
          line++;
          col = 1;
        } else {
          col++;
        }
      }
      return new IllegalArgumentException(
          "malformed JSON at line " + line + ", column " + col + ": " + what);
    }

    void skipWs() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    Object value() {
      if (pos >= s.length()) {
        throw error("unexpected end of input");
      }
      char c = s.charAt(pos);
      return switch (c) {
        case '{' -> object();
        case '[' -> array();
        case '"' -> string();
        case 't' -> literal("true", Boolean.TRUE);
        case 'f' -> literal("false", Boolean.FALSE);
        case 'n' -> literal("null", null);
        default -> number();
      };
    }

    Object literal(String word, Object v) {
      if (!s.startsWith(word, pos)) {
        throw error("expected " + word);
      }
      pos += word.length();
      return v;
    }

    void enter() {
      if (++depth > MAX_DEPTH) {
        throw error("nested deeper than " + MAX_DEPTH + " levels");
      }
    }

    Map<String, Object> object() {
      enter();
      Map<String, Object> m = new LinkedHashMap<>();
      pos++;
      skipWs();
      if (peek() == '}') {
        pos++;
        depth--;
        return m;
      }
      while (true) {
        skipWs();
        if (peek() != '"') {
          throw error("expected a quoted key");
        }
        String k = string();
        skipWs();
        expect(':');
        skipWs();
        m.put(k, value());
        skipWs();
        char c = next();
        if (c == '}') {
          depth--;
          return m;
        }
        if (c != ',') {
          pos--;
          throw error("expected ',' or '}'");
        }
      }
    }

    List<Object> array() {
      enter();
      List<Object> l = new ArrayList<>();
      pos++;
      skipWs();
      if (peek() == ']') {
        pos++;
        depth--;
        return l;
      }
      while (true) {
        skipWs();
        l.add(value());
        skipWs();
        char c = next();
        if (c == ']') {
          depth--;
          return l;
        }
        if (c != ',') {
          pos--;
          throw error("expected ',' or ']'");
        }
      }
    }

    String string() {
      pos++;
      StringBuilder sb = new StringBuilder();
      while (true) {
        char c = next();
        if (c == '"') {
          return sb.toString();
        }
        if (c == '\\') {
          char e = next();
          switch (e) {
            case 'n' -> sb.append('\n');
            case 't' -> sb.append('\t');
            case 'r' -> sb.append('\r');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'u' -> {
              if (pos + 4 > s.length()) {
                throw error("truncated \\u escape");
              }
              sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
              pos += 4;
            }
            default -> sb.append(e);
          }
        } else {
          sb.append(c);
        }
      }
    }

    Number number() {
      int start = pos;
      while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
      String t = s.substring(start, pos);
      if (t.isEmpty()) {
        throw error("unexpected character '" + s.charAt(start) + "'");
      }
      try {
        if (t.matches("-?\\d+")) {
          return Long.parseLong(t);
        }
        return Double.parseDouble(t);
      } catch (NumberFormatException e) {
        pos = start;
        throw error("bad number '" + t + "'");
      }
    }

    char peek() {
      if (pos >= s.length()) {
        throw error("unexpected end of input");
      }
      return s.charAt(pos);
    }

    char next() {
      char c = peek();
      pos++;
      return c;
    }

    void expect(char c) {
      if (next() != c) {
        pos--;
        throw error("expected '" + c + "'");
      }
    }
  }
}
