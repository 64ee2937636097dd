package org.lowrank.util;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Atomic file replacement, so readers never see a half-written file: write a temporary file in the
 * target's directory (created if missing), force it to disk, then rename it over the target with
 * {@code ATOMIC_MOVE} (a plain replace where the file system cannot move atomically). On failure
 * the target is untouched and the temporary file removed. Files are created rw-r--r--.
 *
 * <p>Temporary files are named {@code .NAME.<pid>.<random>.tmp}; a run killed between writing and
 * renaming leaves one behind, and the next write to the same directory removes those whose process
 * is no longer alive ({@link #removeDeadTemporaries}).
 *
 * <p>{@link #writeAll} writes several files as one unit: every file is first written to a temporary
 * file, and only when all of them are on disk are they renamed, in the order given. A failure
 * before the first rename leaves every target as it was.
 */
public final class AtomicFiles {
  private static final Logger LOG = LoggerFactory.getLogger(AtomicFiles.class);
  private static final Pattern TEMP = Pattern.compile("\\.(.+)\\.(\\d+)\\.[^.]*\\.tmp");

  private AtomicFiles() {}

  /** Writes {@code text} as UTF-8. */
  public static void writeString(Path target, String text) throws IOException {
    write(target, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes {@code bytes} (not modified). */
  public static void write(Path target, byte[] bytes) throws IOException {
    writeAll(Map.of(target, bytes));
  }

  /**
   * Writes every target from its bytes (not modified) as one unit: all temporary files first, then
   * the renames in the map's iteration order (use a {@link LinkedHashMap}). Put the file that
   * commits the set last (e.g. the model after its reports), so that a kill between two renames
   * leaves the older commit file beside newer companions, never a new model beside stale reports.
   */
  public static void writeAll(Map<Path, byte[]> targets) throws IOException {
    Map<Path, Path> staged = new LinkedHashMap<>();
    try {
      for (Map.Entry<Path, byte[]> e : targets.entrySet()) {
        Path abs = e.getKey().toAbsolutePath();
        staged.put(abs, stage(abs, e.getValue()));
      }
      for (Map.Entry<Path, Path> e : staged.entrySet()) {
        try {
          Files.move(
              e.getValue(),
              e.getKey(),
              StandardCopyOption.ATOMIC_MOVE,
              StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException ex) {
          Files.move(e.getValue(), e.getKey(), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } finally {
      for (Path tmp : staged.values()) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  /** Writes {@code bytes} to a new temporary file beside {@code abs} and forces it to disk. */
  private static Path stage(Path abs, byte[] bytes) throws IOException {
    Path dir = abs.getParent();
    if (dir != null) {
      Files.createDirectories(dir);
      removeDeadTemporaries(dir);
    }
    Path tmp =
        Files.createTempFile(
            dir, "." + abs.getFileName() + "." + ProcessHandle.current().pid() + ".", ".tmp");
    boolean done = false;
    try {
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: keep the default permissions
      }
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      done = true;
      return tmp;
    } finally {
      if (!done) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  /**
   * Removes the temporary files in {@code dir} that a process no longer alive left behind (named
   * {@code .NAME.<pid>.<random>.tmp}); those of live processes are kept. Returns the removed files.
   * Failures to list or delete are logged, not thrown.
   */
  public static List<Path> removeDeadTemporaries(Path dir) {
    List<Path> removed = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, ".*.tmp")) {
      for (Path f : files) {
        Matcher m = TEMP.matcher(f.getFileName().toString());
        if (!m.matches() || !Files.isRegularFile(f)) {
          continue;
        }
        long pid;
        try {
          pid = Long.parseLong(m.group(2));
        } catch (NumberFormatException e) {
          continue;
        }
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          continue;
        }
        if (Files.deleteIfExists(f)) {
          LOG.info(
              "removed {}: a temporary file of process {}, which is no longer running", f, pid);
          removed.add(f);
        }
      }
    } catch (IOException e) {
      LOG.warn("could not clean temporary files in {}: {}", dir, e.toString());
    }
    return removed;
  }
}
