package org.enclaveos.signer.signoffline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestBundle;
import org.enclaveos.signer.request.RequestWriter;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.Requests;
import org.junit.jupiter.api.Test;

/**
 * What the operator reviews is what gets signed: a request cannot draw rows of its own in the
 * review, and the review shows every signed field that is not at its ordinary value.
 */
class ReviewTrustTest extends CeremonyFixture {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One of each kind of character a terminal obeys or hides, by name. */
    static final Map<String, String> HOSTILE = Map.ofEntries(
            Map.entry("ESC (cursor up)", "\u001b[2A"), Map.entry("CR", "\r"), Map.entry("LF", "\n"),
            Map.entry("BS", "\b"), Map.entry("DEL", "\u007f"), Map.entry("C1 CSI", "\u009b"), Map.entry("C1 NEL", "\u0085"),
            Map.entry("ALM", "\u061c"), Map.entry("LRM", "\u200e"), Map.entry("RLM", "\u200f"),
            Map.entry("RLO", "\u202e"), Map.entry("LRE", "\u202a"), Map.entry("PDF", "\u202c"),
            Map.entry("LRI", "\u2066"), Map.entry("PDI", "\u2069"), Map.entry("ZWSP", "\u200b"),
            Map.entry("ZWJ", "\u200d"), Map.entry("BOM", "\ufeff"), Map.entry("LINE SEPARATOR", "\u2028"),
            Map.entry("TAG", "\udb40\udc41"));


    /** Sets one field of app0's request (a JSON pointer) and rewrites bundle.json to match, as an attacker would. */
    static Path edit(Path req, String pointer, String value) throws IOException {
        Path file = req.resolve("app0.sgx1.request.json");
        ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
        String parent = pointer.substring(0, pointer.lastIndexOf('/'));
        ObjectNode node = parent.isEmpty() ? root : (ObjectNode) root.at(parent);
        node.put(pointer.substring(pointer.lastIndexOf('/') + 1), value);
        byte[] edited = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        Files.write(file, edited);
        Files.write(req.resolve(RequestBundle.FILE_NAME), new RequestBundle(RequestBundle.SCHEMA, "test",
                List.of(new RequestBundle.Entry(file.getFileName().toString(), Hash256.sha256(edited).hex()))).toJson());
        return file;
    }

    /** No character of stderr, but the line feeds the tool writes, may be one a terminal obeys. */
    static void assertTerminalSafe(String text) {
        for (String line : text.split("\n", -1)) {
            assertEquals(java.util.Optional.empty(), org.enclaveos.signer.io.TerminalText.firstUnsafe(line.replace("\t", " ")),
                    "unsafe character in: " + org.enclaveos.signer.io.TerminalText.escape(line));
        }
    }

    @Test
    void aControlOrFormatCharacterInAFieldTheOperatorDecidesOnIsRefusedNamingFileAndField() throws IOException {
        String[] fields = {"/source/kind", "/source/reference", "/target", "/mrenclaveSource", "/source/platform",
            "/toolVersion", "/source/manifestDigest"};
        int tried = 0;
        for (String field : fields) {
            for (Map.Entry<String, String> c : HOSTILE.entrySet()) {
                Path req = Requests.write(dir.resolve("r" + tried++), 1, null);
                // What the attack in the issue did: text that moves the cursor and rewrites the rows above.
                String original = JSON.readTree(req.resolve("app0.sgx1.request.json").toFile()).at(field).asText();
                Path file = edit(req, field, original + c.getValue() + "MRENCLAVE 0000 DEBUG no");
                CliRun r = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--dry-run");
                assertEquals(8, r.exitCode(), field + " " + c.getKey() + ": " + r);
                assertEquals(1, r.errLines().length, field + " " + c.getKey() + ": " + r);
                assertTrue(r.lastErrLine().startsWith("enclaveos-signer: " + file + ": request was edited: field "
                        + field.substring(1).replace('/', '.') + " is '"), r.err());
                assertFalse(r.err().contains("Review:"), "refused before the review");
                assertTerminalSafe(r.err());
            }
        }
        System.out.println("ReviewTrustTest: " + tried + " hostile characters in structured fields, all refused");
    }

    @Test
    void aTargetThatIsNotAnImageReferenceIsRefused() throws IOException {
        for (String target : new String[] {"registry.example/app:1 DEBUG no", "ftp://host/x", "", "a/b:c:d",
            "https://registry.example/app:1"}) {
            Path req = Requests.write(dir.resolve("t" + Math.abs(target.hashCode())), 1, null);
            edit(req, "/target", target);
            CliRun r = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--dry-run");
            assertEquals(8, r.exitCode(), target + ": " + r);
            assertTrue(r.lastErrLine().contains("field target is '" + target + "', not an image reference"), r.err());
        }
    }

    @Test
    void freeTextPathsAreShownEscapedWithAWarningAndDrawNoRowOfTheirOwn() throws IOException {
        StringBuilder all = new StringBuilder("/enclave/");
        HOSTILE.values().forEach(all::append);
        Path req = Requests.write(dir.resolve("req"), 1, null);
        edit(req, "/layout/path", all + "\n 2   app9.sgx1");
        CliRun r = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--dry-run");
        assertEquals(0, r.exitCode(), r::toString);
        assertTerminalSafe(r.err());
        String expected = "     layout     " + org.enclaveos.signer.io.TerminalText.escapeWord(all + "\n 2   app9.sgx1");
        assertTrue(r.err().contains(expected + " (sha256 "), r.err());
        assertTrue(r.err().contains("\\u001b[2A") && r.err().contains("\\u202e") && r.err().contains("\\udb40\\udc41"),
                r.err());
        assertTrue(r.err().contains("WARNING    field layout.path holds the control or format character U+"), r.err());
        assertFalse(r.err().contains("\n 2   app9"), "the request drew no row of its own");
        // Padded with spaces so that a terminal's wrapping would start a screen line with a fake row.
        Path padded = Requests.write(dir.resolve("padded"), 1, null);
        edit(padded, "/layout/path", "/enclave/app.sgxs" + " ".repeat(150) + " 2   evil.sgx1 sgx1 1 1 no 2026-11-26 to sign");
        CliRun wrap = sign(padded.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--dry-run");
        assertEquals(0, wrap.exitCode(), wrap::toString);
        String row = wrap.err().lines().filter(l -> l.startsWith("     layout     ")).findFirst().orElseThrow();
        assertEquals("     layout     /enclave/app.sgxs" + "\\u0020".repeat(151) + "2\\u0020\\u0020\\u0020evil.sgx1"
                + "\\u0020sgx1\\u00201\\u00201\\u0020no\\u00202026-11-26\\u0020to\\u0020sign (sha256 " + "ef".repeat(32) + ")", row);
    }

    @Test
    void theReviewShowsEverySignedFieldAndWarnsOfPrivilegesAndOpenMasks() throws IOException {
        Sigstruct s = Requests.production(1).toBuilder()
                .attributes(new Attributes(Attributes.MODE64BIT | Attributes.PROVISIONKEY | Attributes.EINITTOKEN_KEY
                        | Attributes.KSS, 0x1f))
                .attributeMask(new Attributes(~Attributes.KSS, 0x3))
                .vendor(0x8086).swDefined(0x1234).miscSelect(0x1).miscMask(0xffffffff)
                .isvFamilyId(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
                .isvExtProdId(new byte[] {(byte) 0xaa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xbb})
                .cetAttributes(0x1, 0x3)
                .build();
        Path req = dir.resolve("req");
        RequestWriter.write(req, List.of(Requests.request("kss", MemoryModel.SGX1, s, null)), false, "t");
        CliRun r = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--dry-run");
        assertEquals(0, r.exitCode(), r::toString);
        String e = r.err();
        for (String line : new String[] {
            "     attributes FLAGS 0x00000000000000b4 (MODE64BIT PROVISIONKEY EINITTOKEN_KEY KSS) XFRM 0x000000000000001f (X87 SSE AVX MPX)",
            "     attr mask  FLAGS 0xffffffffffffff7f (",
            ") XFRM 0x0000000000000003 (X87 SSE)",
            "     misc       select 0x00000001, mask 0xffffffff",
            "     vendor     0x00008086 (Intel)",
            "     swdefined  0x00001234",
            "     cet        attributes 0x01, mask 0x03",
            "     familyid   0102030405060708090a0b0c0d0e0f10",
            "     extprodid  aa0000000000000000000000000000bb",
            "     WARNING    PROVISIONKEY set: the enclave may derive the provisioning key",
            "     WARNING    EINITTOKEN_KEY set: the enclave may derive the launch-token key",
            "     WARNING    ATTRIBUTEMASK does not enforce FLAGS.KSS, XFRM.AVX, XFRM.MPX: the enclave also launches without them",
            "     payload    sha256 " + s.signingPayloadSha256()}) {
            assertTrue(e.contains(line), "missing: " + line + "\n" + e);
        }
        // A production ceremony refuses the privileges unless each is allowed by name.
        CliRun prod = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--dry-run",
                "--production");
        assertEquals(7, prod.exitCode(), prod::toString);
        assertTrue(prod.lastErrLine().contains("kss.sgx1.request.json: ATTRIBUTES.PROVISIONKEY is set"), prod.err());
        assertTrue(prod.lastErrLine().endsWith("signs it only with --allow-attribute PROVISIONKEY"), prod.err());
        CliRun one = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--dry-run",
                "--production", "--allow-attribute", "PROVISIONKEY");
        assertEquals(7, one.exitCode(), one::toString);
        assertTrue(one.lastErrLine().contains("ATTRIBUTES.EINITTOKEN_KEY is set"), one.err());
        CliRun both = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--dry-run",
                "--production", "--allow-attribute", "PROVISIONKEY", "--allow-attribute", "EINITTOKEN_KEY");
        assertEquals(0, both.exitCode(), both::toString);
        CliRun typo = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--dry-run",
                "--production", "--allow-attribute", "DEBUG");
        assertEquals(2, typo.exitCode(), typo::toString);
        assertEquals("enclaveos-signer: --allow-attribute DEBUG: expected PROVISIONKEY or EINITTOKEN_KEY", typo.lastErrLine());
    }

    @Test
    void anOrdinaryRequestShowsNoOptionalLinesAndNoWarnings() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 1, key.mrsigner());
        CliRun r = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--dry-run",
                "--production");
        assertEquals(0, r.exitCode(), r::toString);
        for (String absent : new String[] {"vendor ", "swdefined", "familyid", "extprodid", "cet ", "WARNING"}) {
            assertFalse(r.err().contains(absent), absent + "\n" + r.err());
        }
        assertTrue(r.err().contains("     pinned     MRSIGNER " + key.mrsigner()), r.err());
    }

    /** Issue 13, item 9: a measurement nobody re-took is said so in words, not only as "(converter-signature)". */
    @Test
    void anUnmeasuredMrenclaveIsAWarning() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 1, null);
        edit(req, "/mrenclaveSource", "converter-signature");
        CliRun r = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--dry-run");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.err().contains("     WARNING    MRENCLAVE not re-measured: taken from the converter's signature as it "
                + "is"), r.err());
    }
}
