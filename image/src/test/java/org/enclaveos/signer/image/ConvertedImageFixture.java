package org.enclaveos.signer.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.crypto.SigstructSigner;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.testing.SgxsBuilder;

/**
 * Builds converted images as OCI layouts, at run time, for tests and the demo: a base layer, an
 * enclave layer with the SGX1 layout as an SGXS stream and the SGX2 layout as a manifest (with its
 * content file), a top layer with a whiteout; a realistic config (user, entrypoint, env, labels,
 * exposed ports, history, a field we do not know) carrying converter signatures made with a debug
 * key; a manifest annotation; index.json with a tag.
 */
public final class ConvertedImageFixture {
    public static final String TAG = SampleImage.TAG;
    public final SgxsBuilder sgx1 = new SgxsBuilder().ecreate(1, 0x10000).measuredPage(0, 0x100, 1).measuredPage(0x1000, 0x205, 2)
            .eadd(0x2000, 0x207).eadd(0x3000, 0x207);
    public final byte[] sgx2Content = new byte[2 * 4096];
    public final SigningKey converterKey = PemKeys.generate("converter");
    public Sigstruct sgx1Signature;
    public Sigstruct sgx2Signature;
    /** Ship an SGX1 layout that differs from the one the converter signed (a tampered image). */
    public boolean tamperSgx1Layout;
    /** Leave out the layout labels (a plain Data Shield image). */
    public boolean withoutLayoutLabels;

    public ConvertedImageFixture() {
        for (int i = 0; i < sgx2Content.length; i++) {
            sgx2Content[i] = (byte) (i * 5 + 1);
        }
    }

    /** The SGX2 layout as a manifest: the same first two pages as SGX1 would have, without the free heap. */
    public String sgx2Manifest() {
        return """
            {"schema": "enclaveos-signer/layout/v1", "enclave": {"size": "0x10000", "ssaFrameSize": 1},
             "ranges": [{"name": "image", "offset": 0, "pages": 2, "flags": "0x205",
                         "content": {"file": "app.bin", "offset": 0, "length": 8192}}]}
            """;
    }

    public String sgx2Mrenclave() {
        return new SgxsBuilder().ecreate(1, 0x10000).page(0, 0x205, java.util.Arrays.copyOfRange(sgx2Content, 0, 4096))
                .page(0x1000, 0x205, java.util.Arrays.copyOfRange(sgx2Content, 4096, 8192)).expectedMrenclave();
    }

    /** Writes the image into {@code dir} as an OCI layout; returns its reference {@code oci:DIR:1.0}. */
    public ImageReference write(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("blobs/sha256"));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Sigstruct base = Sigstruct.builder().isvProdId(7).isvSvn(1).attributes(new Attributes(0x6, 0x7))
                .attributeMask(new Attributes(-1L, ~0xE0L)).miscMask(0xfffffffe)
                .mrenclave(Hash256.sha256(new byte[0])).build();
        sgx1Signature = SigstructSigner.sign(base.toBuilder().mrenclave(Hash256.parse("m", sgx1.expectedMrenclave())).build(),
                converterKey);
        sgx2Signature = SigstructSigner.sign(base.toBuilder().mrenclave(Hash256.parse("m", sgx2Mrenclave())).build(),
                converterKey);

        Map<String, byte[]> enclave = new LinkedHashMap<>();
        enclave.put("enclave/app.sgxs", tamperSgx1Layout
                ? new SgxsBuilder().ecreate(1, 0x10000).measuredPage(0, 0x100, 9).bytes() : sgx1.bytes());
        enclave.put("enclave/layout.json", sgx2Manifest().getBytes(StandardCharsets.UTF_8));
        enclave.put("enclave/app.bin", sgx2Content);
        return SampleImage.write(dir, new SampleImage.Contents(enclave, "/enclave/app.sgxs", "/enclave/layout.json",
                sgx1Signature, sgx2Signature, !withoutLayoutLabels));
    }

    static String b64(Sigstruct s) {
        return SampleImage.b64(s);
    }

    static String blob(Path dir, byte[] content) throws IOException {
        return SampleImage.blob(dir, content);
    }
}
