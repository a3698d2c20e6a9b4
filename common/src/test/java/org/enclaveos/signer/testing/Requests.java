package org.enclaveos.signer.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestWriter;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.SigstructDate;

/** Request directories for the tests, written through the same library code prepare uses. */
public final class Requests {
    private Requests() {
    }

    public static Sigstruct production(int n) {
        return Sigstruct.builder()
                .date(SigstructDate.of(java.time.LocalDate.of(2026, 11, 26)))
                .attributes(new Attributes(Attributes.MODE64BIT, 0x7))
                .attributeMask(new Attributes(-1L, 0xffffffffffffff1fL))
                .miscMask(0xfffffffe)
                .isvProdId(1)
                .isvSvn(n)
                .mrenclave(Hash256.sha256(new byte[] {(byte) n, 42}))
                .build();
    }

    public static Sigstruct debug(int n) {
        return production(n).toBuilder().attributes(new Attributes(Attributes.MODE64BIT | Attributes.DEBUG, 0x7)).build();
    }

    /** Writes {@code count} production requests named app0..appN-1 (sgx1) into {@code dir}. */
    public static Path write(Path dir, int count, Hash256 pinned) {
        List<SigningRequest> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(request("app" + i, MemoryModel.SGX1, production(i), pinned));
        }
        RequestWriter.write(dir, list, false, "test");
        return dir;
    }

    public static SigningRequest request(String name, MemoryModel model, Sigstruct s, Hash256 pinned) {
        return SigningRequest.create("test", name, model,
                new SigningRequest.Source("image", "registry.example/app:1", "sha256:" + "ab".repeat(32),
                        "sha256:" + "cd".repeat(32), "linux/amd64", null, null),
                "registry.example/app:1-signed", new SigningRequest.Layout("/enclave/app.sgxs", "ef".repeat(32)),
                "measured-sgxs", new SigningRequest.Converter(s.mrenclave().hex(), true), s, pinned);
    }
}
