package org.enclaveos.signer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.SdkEnclaveImage;
import org.enclaveos.signer.testing.SgxsBuilder;
import org.enclaveos.signer.testing.Tools;
import org.enclaveos.signer.testing.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands as scripts see them: stdout, one stderr line, and the exit code. */
class CommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void inspectJsonCarriesTheScriptingContractKeys() throws IOException {
        CliRun r = CliRun.run(new InspectCommand(), Vectors.file("fortanix-sig1/sig1.sigstruct.bin").toString(), "--json");
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode j = JSON.readTree(r.out());
        assertEquals("c50673624a6cb17c1c6c2a4e6906f47a170c4629b8723781d1017ef376f1a75d", j.get("mrenclave").asText());
        assertEquals("83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e", j.get("mrsigner").asText());
        assertEquals("ea7ced3b8c78324bce65ad851152a125fd1989df324dc72b244ed5f44573ac95", j.get("signingPayloadSha256").asText());
        assertEquals(0, j.get("isvProdId").asInt());
        assertEquals(0, j.get("isvSvn").asInt());
        assertEquals(0, j.get("vendor").asInt());
        assertEquals("2016-01-09", j.get("date").asText());
        assertTrue(j.get("debug").asBoolean());
        assertEquals("0x0000000000000004", j.at("/attributes/flags").asText());
        assertEquals("0x0000000000000003", j.at("/attributes/xfrm").asText());
        assertEquals("0xfffffffffffffffd", j.at("/attributeMask/flags").asText());
        assertEquals("0xffffffffffffff1b", j.at("/attributeMask/xfrm").asText());
        assertEquals("0x00000000", j.get("miscSelect").asText());
        assertEquals("0xffffffff", j.get("miscMask").asText());
        assertTrue(j.at("/signature/valid").asBoolean());
        assertTrue(j.at("/signature/q1q2Valid").asBoolean());
        assertEquals(3, j.at("/signature/exponent").asInt());
        assertEquals(3072, j.at("/signature/modulusBits").asInt());
        assertEquals(25, j.get("fields").size(), "every field of the table");
    }

    @Test
    void inspectTextShowsEveryFieldAndTheVerdict() {
        CliRun r = CliRun.run(new InspectCommand(), Vectors.file("intel-le/le_prod_css.v2.7.bin").toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("MRSIGNER             acb77012053e05a63d413b8bbae8fb6c5d73b3f2996d91c43bbbf90959c0f8d4"), r.out());
        assertTrue(r.out().contains("DATE                 2019-09-04 (BCD 0x20190904)"), r.out());
        assertTrue(r.out().contains("VENDOR               0x00008086 (Intel)"), r.out());
        assertTrue(r.out().contains("debug                no (production"), r.out());
        assertTrue(r.out().contains("signature            valid"), r.out());
    }

    /** A test SDK enclave whose SIGSTRUCT, signed with the kernel selftest key, carries its true MRENCLAVE. */
    Path signedEnclave() throws IOException {
        byte[] placeholder = org.enclaveos.signer.sgx.Sigstruct.builder()
                .mrenclave(org.enclaveos.signer.sgx.Hash256.sha256(new byte[0])).build().toBytes();
        String mrenclave = SdkEnclaveImage.expected(SdkEnclaveImage.build(placeholder)).expectedMrenclave();
        org.enclaveos.signer.sgx.Sigstruct signed = org.enclaveos.signer.crypto.SigstructSigner.sign(
                org.enclaveos.signer.sgx.Sigstruct.builder().isvProdId(9).isvSvn(2)
                        .attributes(new org.enclaveos.signer.sgx.Attributes(0x4, 0x3))
                        .mrenclave(org.enclaveos.signer.sgx.Hash256.parse("m", mrenclave)).build(),
                org.enclaveos.signer.crypto.PemKeys.loadSigningKey(Vectors.file("kernel-selftest/encl.pem"),
                        org.enclaveos.signer.crypto.PassphraseSource.NONE));
        return Files.write(dir.resolve("enclave.signed.so"), SdkEnclaveImage.build(signed.toBytes()));
    }

    @Test
    void inspectMeasureAndVerifyASignedEnclave() throws IOException {
        Path so = signedEnclave();
        CliRun r = CliRun.run(new InspectCommand(), so.toString(), "--json");
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode j = JSON.readTree(r.out());
        assertEquals("sgx-sdk-enclave", j.get("kind").asText());
        assertEquals(2, j.get("metadataBlocks").size());
        assertEquals("1.4", j.at("/metadataBlocks/1/version").asText());
        assertEquals("2f9f8fd4fe12d77232f1d87571ca8252ca27714efe7705e46222cffd5a22e8c4", j.get("mrsigner").asText());

        CliRun m = CliRun.run(new MeasureCommand(), so.toString(), "--json");
        assertEquals(0, m.exitCode(), m::toString);
        JsonNode mj = JSON.readTree(m.out());
        assertEquals(j.get("mrenclave").asText(), mj.get("mrenclave").asText());
        assertTrue(mj.get("matches").asBoolean());
        assertEquals("2.4", mj.at("/blocks/0/version").asText());
        assertEquals(mj.get("mrenclave").asText(), mj.at("/blocks/1/mrenclave").asText());

        Path sgxs = dir.resolve("enclave.sgxs");
        assertEquals(0, CliRun.run(new MeasureCommand(), so.toString(), "--export-sgxs", sgxs.toString()).exitCode());
        CliRun again = CliRun.run(new MeasureCommand(), sgxs.toString(), "--json");
        assertEquals(mj.get("mrenclave").asText(), JSON.readTree(again.out()).get("mrenclave").asText());

        CliRun v = CliRun.run(new VerifyCommand(), so.toString());
        assertEquals(0, v.exitCode(), v::toString);
        assertTrue(v.out().startsWith("OK "), v.out());

        byte[] tampered = Files.readAllBytes(so);
        tampered[0x1234] ^= 1; // code: the signature stays valid, the measurement does not
        Path bad = Files.write(dir.resolve("tampered.signed.so"), tampered);
        CliRun tv = CliRun.run(new VerifyCommand(), bad.toString());
        assertEquals(1, tv.exitCode(), tv::toString);
        assertTrue(tv.errLines()[0].contains("metadata block 0 (v2.4): the file measures "), tv.err());
    }

    @Test
    void verifyChecksTheSigner() {
        String file = Vectors.file("kernel-selftest/encl.ss").toString();
        CliRun ok = CliRun.run(new VerifyCommand(), file, "--mrsigner",
                "2f9f8fd4fe12d77232f1d87571ca8252ca27714efe7705e46222cffd5a22e8c4");
        assertEquals(0, ok.exitCode(), ok::toString);
        CliRun wrong = CliRun.run(new VerifyCommand(), file, "--mrsigner",
                "83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e");
        assertEquals(1, wrong.exitCode(), wrong::toString);
        assertEquals(1, wrong.errLines().length, wrong::toString);
        assertEquals("enclaveos-signer: " + file + ": verification failed: signer: MRSIGNER is "
                + "2f9f8fd4fe12d77232f1d87571ca8252ca27714efe7705e46222cffd5a22e8c4, expected "
                + "83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e", wrong.errLines()[0]);
        CliRun badHex = CliRun.run(new VerifyCommand(), file, "--mrsigner", "xyz");
        assertEquals(2, badHex.exitCode(), badHex::toString);
        assertEquals("enclaveos-signer: --mrsigner: expected 64 hex digits, got 3", badHex.errLines()[0]);
    }

    @Test
    void verifyNamesTheFailedCheck() throws IOException {
        byte[] raw = Files.readAllBytes(Vectors.file("kernel-selftest/encl.ss"));
        raw[1030] = 1; // ISVSVN's neighbour: RESERVED4, unsigned but must be zero
        Path reserved = Files.write(dir.resolve("reserved.ss"), raw);
        CliRun r = CliRun.run(new VerifyCommand(), reserved.toString());
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("enclaveos-signer: " + reserved + ": verification failed: reserved-zero: non-zero reserved field(s): RESERVED4",
                r.errLines()[0]);

        byte[] sig = Files.readAllBytes(Vectors.file("kernel-selftest/encl.ss"));
        sig[1026] ^= 1; // ISVSVN: signed
        Path edited = Files.write(dir.resolve("edited.ss"), sig);
        CliRun e = CliRun.run(new VerifyCommand(), edited.toString(), "--json");
        assertEquals(1, e.exitCode(), e::toString);
        JsonNode j = JSON.readTree(e.out());
        assertEquals(false, j.get("verified").asBoolean());
        assertEquals(false, j.at("/signature/valid").asBoolean());
        assertTrue(j.at("/signature/q1q2Valid").asBoolean(), "Q1/Q2 depend on the signature only");
        assertTrue(e.errLines()[0].contains("signature: RSA signature does not verify"), e.err());
    }

    @Test
    void badSigstructFilesGiveOneLineAndExitCode4() throws IOException {
        byte[] raw = Files.readAllBytes(Vectors.file("kernel-selftest/encl.ss"));
        Path truncated = Files.write(dir.resolve("truncated.ss"), Arrays.copyOf(raw, 1000));
        Path oversized = Files.write(dir.resolve("oversized.ss"), Arrays.copyOf(raw, 1809));
        byte[] header = raw.clone();
        header[0] = 7;
        Path wrongHeader = Files.write(dir.resolve("header.ss"), header);
        for (Object cmd : new Object[] {new InspectCommand(), new VerifyCommand()}) {
            assertError(CliRun.run(cmd, truncated.toString()), 4,
                    "enclaveos-signer: " + truncated + ": a SIGSTRUCT has 1808 bytes, this has 1000");
            assertError(CliRun.run(cmd, oversized.toString()), 4,
                    "enclaveos-signer: " + oversized + ": a SIGSTRUCT has 1808 bytes, this has 1809");
            assertError(CliRun.run(cmd, wrongHeader.toString()), 4, "enclaveos-signer: " + wrongHeader
                    + ": SIGSTRUCT HEADER is 07000000e10000000000010000000000, expected 06000000e10000000000010000000000 "
                    + "(not a SIGSTRUCT, or corrupted)");
        }
        Path missing = dir.resolve("missing.ss");
        assertError(CliRun.run(new InspectCommand(), missing.toString()), 3, "enclaveos-signer: " + missing + ": no such file");
    }

    @Test
    void measurePrintsMrenclaveAndRefusesCorruptStreams() throws IOException {
        SgxsBuilder b = new SgxsBuilder().ecreate(1, 0x4000).measuredPage(0, 0x100, 3).eadd(0x1000, 0x203);
        Path sgxs = Files.write(dir.resolve("enclave.sgxs"), b.bytes());
        CliRun r = CliRun.run(new MeasureCommand(), sgxs.toString(), "--json");
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode j = JSON.readTree(r.out());
        assertEquals(b.expectedMrenclave(), j.get("mrenclave").asText());
        assertEquals(2, j.get("pages").asInt());
        CliRun text = CliRun.run(new MeasureCommand(), sgxs.toString());
        assertEquals(b.expectedMrenclave() + "  " + sgxs + "\n", text.out());

        byte[] corrupt = b.bytes();
        corrupt[64 + 8] = 0x10; // EADD offset 0x10: not page-aligned
        Path bad = Files.write(dir.resolve("bad.sgxs"), corrupt);
        assertError(CliRun.run(new MeasureCommand(), bad.toString()), 4,
                "enclaveos-signer: " + bad + ": record 2 at byte 64: EADD offset 0x10 is not page-aligned");
        Path unsized = Files.write(dir.resolve("unsized.sgxs"), new SgxsBuilder().unsized(1).bytes());
        assertError(CliRun.run(new MeasureCommand(), unsized.toString()), 10, "enclaveos-signer: " + unsized
                + ": record 1 at byte 0: UNSIZED record: the enclave size is not set yet, so this stream cannot be measured");
    }

    @Test
    void measuresALayoutManifestPerModelAndExportsSgxs() throws IOException {
        Path manifest = Files.writeString(dir.resolve("layout.json"), """
            {"schema": "enclaveos-signer/layout/v1", "enclave": {"size": "0x10000", "ssaFrameSize": 1},
             "ranges": [
               {"name": "tcs", "offset": 0, "pages": 1, "flags": "0x100"},
               {"name": "heap", "offset": "0x1000", "pages": 4, "flags": "0x203", "measure": "none", "models": ["sgx1"]}
             ]}
            """);
        SgxsBuilder minimal = new SgxsBuilder().ecreate(1, 0x10000).page(0, 0x100, new byte[4096]);
        SgxsBuilder full = new SgxsBuilder().ecreate(1, 0x10000).page(0, 0x100, new byte[4096])
                .eadd(0x1000, 0x203).eadd(0x2000, 0x203).eadd(0x3000, 0x203).eadd(0x4000, 0x203);
        CliRun r = CliRun.run(new MeasureCommand(), manifest.toString(), "--json");
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode j = JSON.readTree(r.out());
        assertEquals(full.expectedMrenclave(), j.at("/models/sgx1").asText());
        assertEquals(minimal.expectedMrenclave(), j.at("/models/sgx2").asText());
        Path sgxs = dir.resolve("minimal.sgxs");
        CliRun export = CliRun.run(new MeasureCommand(), manifest.toString(), "--memory-model", "minimal", "--export-sgxs",
                sgxs.toString());
        assertEquals(0, export.exitCode(), export::toString);
        assertTrue(Arrays.equals(minimal.bytes(), Files.readAllBytes(sgxs)));
        assertError(CliRun.run(new MeasureCommand(), manifest.toString(), "--export-sgxs", dir.resolve("x.sgxs").toString()),
                2, "enclaveos-signer: --export-sgxs writes one layout; give --memory-model sgx1 or sgx2");
    }

    @Test
    void keygenWritesA0600KeyOnceAndVerifiesAgainstItsPublicKey() throws IOException {
        Path key = dir.resolve("k.pem");
        Path pub = dir.resolve("k.pub.pem");
        CliRun r = CliRun.run(new KeygenCommand(), "--out", key.toString(), "--public-out", pub.toString(), "--json");
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        String mrsigner = JSON.readTree(r.out()).get("mrsigner").asText();
        assertEquals(64, mrsigner.length());
        byte[] before = Files.readAllBytes(key);
        assertError(CliRun.run(new KeygenCommand(), "--out", key.toString()), 6,
                "enclaveos-signer: " + key + ": already exists; not overwritten");
        assertTrue(Arrays.equals(before, Files.readAllBytes(key)));
        assertError(CliRun.run(new KeygenCommand(), "--out", dir.resolve("none/k.pem").toString()), 3,
                "enclaveos-signer: " + dir.resolve("none/k.pem") + ": cannot write: no such file or directory");
    }

    @Test
    void verifyRefusesAPublicKeySgxCannotUse() {
        Tools.require("openssl");
        Path key = dir.resolve("k2048.pem");
        Tools.ok("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key.toString());
        Path pub = dir.resolve("k2048.pub.pem");
        Tools.ok("openssl", "pkey", "-in", key.toString(), "-pubout", "-out", pub.toString());
        assertError(CliRun.run(new VerifyCommand(), Vectors.file("kernel-selftest/encl.ss").toString(), "--public-key",
                pub.toString()), 5, "enclaveos-signer: " + pub + ": key is RSA-2048 with exponent 65537; SGX needs RSA-3072 with exponent 3");
    }

    @Test
    void usageErrorsExit2() {
        CliRun r = CliRun.run(new VerifyCommand(), "--no-such-option", "x");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().startsWith("verify: Unknown option: '--no-such-option'"), r.err());
    }

    static void assertError(CliRun r, int code, String line) {
        assertEquals(code, r.exitCode(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertEquals(line, r.errLines()[0]);
        assertTrue(r.out().isEmpty(), r::toString);
    }
}
