//! The `ClientHooks` implementation every generated client uses.

/// Implements progenitor's `ClientHooks<crmkit_runtime::Inner>` for a generated `Client`, so
/// that every operation runs through [`Inner::execute`](crate::Inner::execute).
///
/// ```text
/// crmkit_runtime::client_hooks!(Client);
/// ```
#[macro_export]
macro_rules! client_hooks {
    ($client:ty) => {
        impl ::progenitor_client::ClientHooks<$crate::Inner> for $client {
            async fn exec(
                &self,
                request: ::reqwest::Request,
                info: &::progenitor_client::OperationInfo,
            ) -> ::reqwest::Result<::reqwest::Response> {
                $crate::exec_hook(
                    ::progenitor_client::ClientInfo::inner(self),
                    request,
                    info.operation_id,
                )
                .await
            }
        }
    };
}
