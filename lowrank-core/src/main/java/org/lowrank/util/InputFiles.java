package org.lowrank.util;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Bounded reads of small input files (plans, settings), so a device or a huge file fails fast. */
public final class InputFiles {
  /** The largest text file read whole: 64 MiB, far above any plan (a ResNet-56 plan is ~40 KB). */
  public static final long MAX_TEXT_BYTES = 64L << 20;

  private InputFiles() {}

  /**
   * Reads a UTF-8 text file of at most {@code maxBytes} bytes. A longer file (or an endless device
   * such as /dev/zero) is an IllegalArgumentException naming the file, not an OutOfMemoryError; at
   * most {@code maxBytes + 1} bytes are read.
   */
  public static String readString(Path file, long maxBytes, String what) throws IOException {
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(
          file + ": expected a " + what + " file, found a directory");
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
      if (bytes.length > maxBytes) {
        throw new IllegalArgumentException(
            file
                + ": more than "
                + maxBytes
                + " bytes; not a "
                + what
                + " (a "
                + what
                + " is a small JSON text file)");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }
}
