// Runs right after the SDK's script, before it is ready: the call must be
// queued and answered once it is.
window.early = { wasReady: window.gigya.isReady, answer: null };
window.gigya.accounts.getPolicies({ sections: 'passwordComplexity', context: 'early',
  callback: function (res) { window.early.answer = { errorCode: res.errorCode, context: res.context,
    readyThen: window.gigya.isReady }; } });
