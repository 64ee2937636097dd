package org.lowrank.report;

import java.io.IOException;
import java.nio.file.Path;
import org.lowrank.util.AtomicFiles;

/** Writes report files so that readers never see a half-written file. */
public final class ReportFiles {
  private ReportFiles() {}

  /** Writes {@code text} as UTF-8 to {@code target} atomically (see {@link AtomicFiles}). */
  public static void writeAtomically(Path target, String text) throws IOException {
    AtomicFiles.writeString(target, text);
  }
}
