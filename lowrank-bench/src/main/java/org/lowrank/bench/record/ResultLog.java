package org.lowrank.bench.record;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank.util.Json;

/**
 * A results file of JSON lines ({@code results/NAME.jsonl}): one object per measured row, appended,
 * never rewritten. Every row has an {@code id}; a later row with the same id supersedes the earlier
 * one when rendering ({@link #latest}), the earlier one stays as history.
 */
public final class ResultLog {
  private final Path file;

  public ResultLog(Path file) {
    this.file = file;
  }

  public Path file() {
    return file;
  }

  /** Appends one row as a single JSON line, creating the file and its folder when needed. */
  public void append(Map<String, Object> row) throws IOException {
    if (!(row.get("id") instanceof String)) {
      throw new IllegalArgumentException(
          file + ": a row needs a string \"id\", found " + row.get("id"));
    }
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Files.writeString(
        file,
        Json.write(row, 0) + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  /** Every row in file order; an absent file has none. */
  public List<Map<String, Object>> rows() throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    java.util.ArrayList<Map<String, Object>> rows = new java.util.ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      try {
        rows.add(Json.parseObject(lines.get(i)));
      } catch (RuntimeException e) {
        throw new IOException(
            file
                + " line "
                + (i + 1)
                + ": not a JSON object ("
                + e.getMessage()
                + "); fix or delete that line",
            e);
      }
    }
    return rows;
  }

  /** The latest row per id, in the order each id first appeared. */
  public Map<String, Map<String, Object>> latest() throws IOException {
    Map<String, Map<String, Object>> latest = new LinkedHashMap<>();
    for (Map<String, Object> m : rows()) {
      latest.put(String.valueOf(m.get("id")), m);
    }
    return latest;
  }

  /**
   * The code this JVM runs: the git commit when it first asked (short hash, "+dirty" with
   * uncommitted changes to tracked files); later edits to the checkout do not change it.
   */
  private static String gitAtStart;

  /**
   * Where and when a row was measured: git commit of the running code, ISO date, cores the JVM sees
   * and the one-minute load average at the end of the row.
   */
  public static synchronized Map<String, Object> provenance() {
    if (gitAtStart == null) {
      gitAtStart = git();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("git", gitAtStart);
    m.put("date", Instant.now().toString());
    m.put("cores", Runtime.getRuntime().availableProcessors());
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    if (load >= 0) {
      m.put("load1", load);
    }
    return m;
  }

  private static String git() {
    String head = gitOutput("rev-parse", "--short", "HEAD");
    if (head == null) {
      return "unknown";
    }
    String dirty = gitOutput("status", "--porcelain", "--untracked-files=no");
    return dirty == null || dirty.isEmpty() ? head : head + "+dirty";
  }

  private static String gitOutput(String... args) {
    try {
      List<String> cmd = new java.util.ArrayList<>(List.of("git"));
      cmd.addAll(List.of(args));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.waitFor() == 0 ? s : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
