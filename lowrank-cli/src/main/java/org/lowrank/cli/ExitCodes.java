package org.lowrank.cli;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;

/** Named exit codes of the {@code lowrank} command, and the mapping from failures to them. */
public final class ExitCodes {
  /** Success. */
  public static final int OK = 0;
  /** A bug or an unexpected failure inside lowrank. */
  public static final int INTERNAL = 1;
  /** Bad input: wrong path, malformed model or data, impossible budget or rank, bad options. */
  public static final int BAD_INPUT = 2;
  /** A well-formed model that uses something lowrank does not support (an operator, a layout). */
  public static final int UNSUPPORTED = 3;
  /**
   * The compressed model missed the fidelity guard ({@code --max-drop}, {@code --min-agreement}):
   * it was written as OUT.rejected.onnx, not OUT.onnx.
   */
  public static final int FIDELITY = 4;

  private ExitCodes() {}

  /** The exit code for a failure. */
  public static int of(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof UnsupportedOperationException
          || c instanceof org.lowrank.graph.UnsupportedModelException
          || c instanceof org.lowrank.onnx.OnnxUnsupportedException
          || c instanceof org.lowrank.train.exec.UnsupportedOpException) {
        return UNSUPPORTED;
      }
      if (c instanceof org.lowrank.graph.ModelException) {
        return BAD_INPUT;
      }
      if (c instanceof IllegalArgumentException
          || c instanceof NoSuchFileException
          || c instanceof FileNotFoundException
          || c instanceof UncheckedIOException
          || c instanceof IOException) {
        return BAD_INPUT;
      }
    }
    return INTERNAL;
  }
}
