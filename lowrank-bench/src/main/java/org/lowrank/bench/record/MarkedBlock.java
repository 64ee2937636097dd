package org.lowrank.bench.record;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lowrank.util.AtomicFiles;

/**
 * A generated block of a Markdown file, between {@code <!-- NAME:begin -->} and {@code <!--
 * NAME:end -->}. Replacing it leaves the rest of the file as it was; a file without the markers
 * gets the block before its first {@code ## } heading. Written atomically.
 */
public final class MarkedBlock {
  private MarkedBlock() {}

  public static String begin(String name) {
    return "<!-- " + name + ":begin -->";
  }

  public static String end(String name) {
    return "<!-- " + name + ":end -->";
  }

  /** {@code body} between the markers of block {@code name}. */
  public static String wrap(String name, String body) {
    return begin(name) + "\n" + body.strip() + "\n" + end(name);
  }

  /** {@code doc} with block {@code name} set to {@code body} (without markers). */
  public static String replace(String doc, String name, String body) {
    String b = begin(name);
    String e = end(name);
    String block = wrap(name, body);
    int a = doc.indexOf(b);
    int z = doc.indexOf(e);
    if (a >= 0 && z > a) {
      return doc.substring(0, a) + block + doc.substring(z + e.length());
    }
    if (a >= 0 || z >= 0) {
      throw new IllegalArgumentException(
          "block '"
              + name
              + "': found "
              + (a >= 0 ? b : e)
              + " without its partner (or in the wrong order); fix the markers by hand");
    }
    int cut = doc.indexOf("\n## ");
    return cut < 0
        ? doc.stripTrailing() + "\n\n" + block + "\n"
        : doc.substring(0, cut + 1) + block + "\n\n" + doc.substring(cut + 1);
  }

  /** Replaces block {@code name} of {@code file} (created with a title when absent). */
  public static void write(Path file, String name, String body) throws IOException {
    String doc = Files.exists(file) ? Files.readString(file) : "# lowrank results\n";
    AtomicFiles.writeString(file, replace(doc, name, body));
  }
}
