package org.lowrank.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * Up-front checks of output locations, run before any work so that a bad {@code -o} costs no
 * planning or fine-tuning and never destroys an input. An output is accepted when it is not a
 * directory, its nearest existing ancestor is a writable directory, and it is not the same file as
 * any input: compared with {@link Files#isSameFile}, so symbolic links, hard links and {@code ..}
 * paths are seen through.
 */
public final class OutputPaths {
  private OutputPaths() {}

  /**
   * Checks every output against every input.
   *
   * @param outputs what will be written, by what it is (e.g. "report" -> OUT.report.json)
   * @param inputs what is read, by what it is (e.g. "model" -> MODEL.onnx); null paths are skipped
   * @throws IllegalArgumentException naming the output, what is wrong and how to fix it
   */
  public static void check(Map<String, Path> outputs, Map<String, Path> inputs) {
    for (Map.Entry<String, Path> o : outputs.entrySet()) {
      Path out = o.getValue();
      if (out == null) {
        continue;
      }
      for (Map.Entry<String, Path> in : inputs.entrySet()) {
        if (in.getValue() != null && same(out, in.getValue())) {
          throw new IllegalArgumentException(
              out
                  + ": the "
                  + o.getKey()
                  + " would overwrite the "
                  + in.getKey()
                  + " "
                  + in.getValue()
                  + "; choose another output path");
        }
      }
      checkWritable(o.getKey(), out);
    }
  }

  /**
   * Whether two paths name the same existing file (through links); false when either is missing.
   */
  public static boolean same(Path a, Path b) {
    if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
      return true;
    }
    try {
      return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
    } catch (IOException e) {
      return false;
    }
  }

  /** Checks that {@code out} can be created or replaced as a regular file. */
  public static void checkWritable(String what, Path out) {
    if (Files.isDirectory(out)) {
      throw new IllegalArgumentException(
          out
              + ": the "
              + what
              + " path is a directory; give a file name (or remove the directory)");
    }
    checkDirectory(what, out.toAbsolutePath().getParent(), out);
  }

  /** Checks that {@code dir} is or can be created as a writable directory. */
  public static void checkDirectory(String what, Path dir, Path out) {
    Path existing = dir;
    while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return;
    }
    if (!Files.isDirectory(existing)) {
      throw new IllegalArgumentException(
          out
              + ": cannot write the "
              + what
              + ": "
              + existing
              + " is not a directory; choose an output path in a directory");
    }
    if (!Files.isWritable(existing)) {
      throw new IllegalArgumentException(
          out
              + ": cannot write the "
              + what
              + ": the directory "
              + existing
              + " is not writable; choose another output path or fix its permissions");
    }
  }
}
