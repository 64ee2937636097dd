/**
 * Small helpers every stage shares: atomic writes of one file or several as a unit ({@link
 * org.lowrank.util.AtomicFiles}), checks that no output overwrites an input ({@link
 * org.lowrank.util.OutputPaths}), input file checks ({@link org.lowrank.util.InputFiles}), JSON and
 * text formatting. No stage logic lives here.
 */
package org.lowrank.util;
