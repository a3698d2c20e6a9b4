package org.enclaveos.signer.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;

import org.enclaveos.signer.testing.Vectors;
import org.junit.jupiter.api.Test;

/** docs/sigstruct.md shows the field table the code uses, not a copy that can drift. */
class SigstructDocTest {
    @Test
    void docsTableIsGeneratedFromTheFieldEnum() throws IOException {
        String doc = Files.readString(Vectors.projectRoot().resolve("docs/sigstruct.md"));
        String begin = "<!-- generated:sigstruct-table -->\n";
        String end = "<!-- end:sigstruct-table -->";
        String table = doc.substring(doc.indexOf(begin) + begin.length(), doc.indexOf(end));
        assertEquals(SigstructTable.markdown(), table,
                "regenerate with: java -cp common/target/classes org.enclaveos.signer.format.SigstructTable");
    }
}
