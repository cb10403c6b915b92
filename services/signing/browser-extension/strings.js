// The signer window's words in the platform's eight languages (the page's language, not the browser's:
// the applicant chose it on the site). Loaded by confirm.html and by the service worker (importScripts).
// Working translations; the names of the card's two secrets follow the signer's own messages
// (signing/domain/signer_messages*.py).
"use strict";

self.ZairyuStrings = (function () {
  var T = {
    en: {
      html: "en", title_sign: "Sign with your My Number Card", title_auth: "Log in with your My Number Card",
      requested_by: "Asked by this site:", what: "What you are signing:",
      fingerprint: "Fingerprint (SHA-256). It must be the same as on the site's page:",
      password_label: "Signature password of your card (6 to 16 letters and digits)",
      pin_label: "4-digit PIN of your card", sign_button: "Sign", auth_button: "Log in", cancel_button: "Cancel",
      working: "Keep the card on the reader…", cancelled: "Not signed: the signer window was closed.",
      expired: "This request is no longer open. Start again from the site.",
      card_hint: "Put your card on the reader. What you type here goes only to your card, never to the site."
    },
    ja: {
      html: "ja", title_sign: "マイナンバーカードで署名", title_auth: "マイナンバーカードでログイン",
      requested_by: "依頼元のサイト：", what: "署名する内容：",
      fingerprint: "フィンガープリント（SHA-256）。サイトの画面の表示と同じであることを確認してください：",
      password_label: "署名用電子証明書の暗証番号（英数字6～16文字）",
      pin_label: "利用者証明用電子証明書の暗証番号（数字4桁）", sign_button: "署名する", auth_button: "ログイン",
      cancel_button: "キャンセル", working: "カードをリーダーに置いたままにしてください…",
      cancelled: "署名されていません：署名ウィンドウが閉じられました。",
      expired: "この依頼は終了しています。サイトからやり直してください。",
      card_hint: "カードをリーダーに置いてください。ここで入力する暗証番号はカードにだけ送られ、サイトには送られません。"
    },
    vi: {
      html: "vi", title_sign: "Ký bằng thẻ My Number", title_auth: "Đăng nhập bằng thẻ My Number",
      requested_by: "Trang web yêu cầu:", what: "Nội dung bạn ký:",
      fingerprint: "Dấu vân tay (SHA-256). Phải giống với dấu vân tay trên trang web:",
      password_label: "Mật khẩu chữ ký của thẻ (6 đến 16 chữ cái và chữ số)",
      pin_label: "Mã PIN 4 chữ số của thẻ", sign_button: "Ký", auth_button: "Đăng nhập", cancel_button: "Hủy",
      working: "Hãy để thẻ trên đầu đọc…", cancelled: "Chưa ký: cửa sổ ký đã bị đóng.",
      expired: "Yêu cầu này không còn hiệu lực. Hãy bắt đầu lại từ trang web.",
      card_hint: "Đặt thẻ lên đầu đọc. Những gì bạn nhập ở đây chỉ được gửi đến thẻ của bạn, không bao giờ gửi đến trang web."
    },
    zh: {
      html: "zh-Hans", title_sign: "使用个人编号卡签名", title_auth: "使用个人编号卡登录",
      requested_by: "请求来源网站：", what: "您要签名的内容：",
      fingerprint: "指纹（SHA-256）。必须与网站页面上显示的相同：",
      password_label: "卡的签名密码（6至16位字母和数字）", pin_label: "卡的4位数字PIN码",
      sign_button: "签名", auth_button: "登录", cancel_button: "取消", working: "请将卡片保持在读卡器上…",
      cancelled: "未签名：签名窗口已关闭。", expired: "此请求已失效。请从网站重新开始。",
      card_hint: "请将卡片放在读卡器上。您在此输入的内容只发送到您的卡，绝不会发送给网站。"
    },
    ko: {
      html: "ko", title_sign: "마이넘버 카드로 서명", title_auth: "마이넘버 카드로 로그인",
      requested_by: "요청한 사이트:", what: "서명할 내용:",
      fingerprint: "지문(SHA-256). 사이트 화면에 표시된 것과 같아야 합니다:",
      password_label: "카드의 서명용 비밀번호(영문·숫자 6~16자)", pin_label: "카드의 4자리 PIN",
      sign_button: "서명", auth_button: "로그인", cancel_button: "취소",
      working: "카드를 리더기에 올려 둔 채로 기다려 주세요…", cancelled: "서명되지 않았습니다: 서명 창이 닫혔습니다.",
      expired: "이 요청은 더 이상 유효하지 않습니다. 사이트에서 다시 시작하세요.",
      card_hint: "카드를 리더기에 올려 주세요. 여기에 입력한 내용은 카드로만 전송되며 사이트로는 전송되지 않습니다."
    },
    pt: {
      html: "pt-BR", title_sign: "Assinar com o seu My Number Card", title_auth: "Entrar com o seu My Number Card",
      requested_by: "Site que pediu:", what: "O que você está assinando:",
      fingerprint: "Impressão digital (SHA-256). Deve ser igual à da página do site:",
      password_label: "Senha de assinatura do cartão (6 a 16 letras e dígitos)",
      pin_label: "PIN de 4 dígitos do cartão", sign_button: "Assinar", auth_button: "Entrar", cancel_button: "Cancelar",
      working: "Mantenha o cartão no leitor…", cancelled: "Não assinado: a janela do assinador foi fechada.",
      expired: "Este pedido não está mais aberto. Comece de novo pelo site.",
      card_hint: "Coloque o cartão no leitor. O que você digita aqui vai apenas para o seu cartão, nunca para o site."
    },
    tl: {
      html: "fil", title_sign: "Pumirma gamit ang iyong My Number Card",
      title_auth: "Mag-log in gamit ang iyong My Number Card", requested_by: "Site na humiling:",
      what: "Ang pipirmahan mo:", fingerprint: "Fingerprint (SHA-256). Dapat itong kapareho ng nasa pahina ng site:",
      password_label: "Signature password ng iyong card (6 hanggang 16 na titik at numero)",
      pin_label: "4-digit na PIN ng iyong card", sign_button: "Pumirma", auth_button: "Mag-log in",
      cancel_button: "Kanselahin", working: "Huwag alisin ang card sa reader…",
      cancelled: "Hindi napirmahan: isinara ang window ng signer.",
      expired: "Hindi na bukas ang kahilingang ito. Magsimulang muli mula sa site.",
      card_hint: "Ilagay ang iyong card sa reader. Sa card mo lang ipinapadala ang itina-type mo rito, hindi kailanman sa site."
    },
    ne: {
      html: "ne", title_sign: "आफ्नो माइ नम्बर कार्डले हस्ताक्षर गर्नुहोस्", title_auth: "आफ्नो माइ नम्बर कार्डले लग इन गर्नुहोस्",
      requested_by: "अनुरोध गर्ने साइट:", what: "तपाईंले हस्ताक्षर गर्ने कुरा:",
      fingerprint: "फिंगरप्रिन्ट (SHA-256)। यो साइटको पृष्ठमा देखिएको जस्तै हुनुपर्छ:",
      password_label: "कार्डको हस्ताक्षर पासवर्ड (६ देखि १६ अक्षर र अङ्क)", pin_label: "कार्डको ४ अङ्कको PIN",
      sign_button: "हस्ताक्षर गर्नुहोस्", auth_button: "लग इन गर्नुहोस्", cancel_button: "रद्द गर्नुहोस्",
      working: "कार्ड रिडरमै राख्नुहोस्…", cancelled: "हस्ताक्षर भएन: हस्ताक्षर विन्डो बन्द गरियो।",
      expired: "यो अनुरोध अब खुला छैन। साइटबाट फेरि सुरु गर्नुहोस्।",
      card_hint: "कार्ड रिडरमा राख्नुहोस्। यहाँ टाइप गरेको कुरा तपाईंको कार्डमा मात्र पठाइन्छ, साइटमा कहिल्यै पठाइँदैन।"
    }
  };
  return { all: T, of: function (lang) { return T[lang] || T.en; } };
})();
