public import NIOSSL

/// The service's TLS, from PEM files: a certificate chain (the server's certificate first, then
/// the intermediates) and its private key.
public enum ServerTLS {
    /// A server configuration from the files at `certificateChainPath` and `privateKeyPath`,
    /// read and checked now — unreadable files, a file with no certificate, a key that is not
    /// the certificate's — so that a mistake stops the service on start with the file's name,
    /// not at the first client's handshake. TLS 1.2 at least; h2 and http/1.1 offered.
    public static func configuration(certificateChainPath: String, privateKeyPath: String) throws(ServerTLSError) -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateChainPath)
        } catch {
            throw ServerTLSError("Cannot read a PEM certificate chain from \(certificateChainPath): \(error)")
        }
        guard !chain.isEmpty else { throw ServerTLSError("\(certificateChainPath) holds no PEM certificate.") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        } catch {
            throw ServerTLSError("Cannot read a PEM private key from \(privateKeyPath): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw ServerTLSError("The private key in \(privateKeyPath) does not go with the certificate in \(certificateChainPath): \(error)")
        }
        return configuration
    }
}

/// TLS files that cannot serve, with what is wrong in words an operator can act on.
public struct ServerTLSError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
